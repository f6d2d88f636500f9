import {
  ENGINE_PROTOCOL_VERSION,
  engineRequests,
  eventMessage,
  isEngineMethod,
  RequestEnvelopeSchema,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
  type EngineShutdownReport,
  type ShutdownProfile,
} from '../protocol/engine-protocol';
import { appError, toAppError, type AppError } from '../shared/errors';
import type { HostLink } from './transport';
import { ResourceRegistry } from './resource-registry';
import { FaultSwitch, openDiagnosticResources } from './diagnostics';
import { AudioService } from './audio/audio-service';
import { StreamService } from './stream/stream-service';
import { Aes67Service } from './aes67/aes67-service';
import { listDevices } from '../../native/audio-input';

type Handlers = { [M in EngineMethod]: (params: EngineParams<M>) => Promise<EngineResult<M>> | EngineResult<M> };

/** Request handling and the engine's own shutdown sequence. */
export class EngineService {
  readonly registry = new ResourceRegistry();
  readonly faults = new FaultSwitch();
  private readonly startedAt = performance.now();
  private shutdownPromise: Promise<EngineShutdownReport> | undefined;
  /** Set once a shutdown report has been produced: the process may exit. */
  finished = false;
  private readonly beforeShutdown: (() => void)[] = [];

  readonly audio: AudioService;
  readonly streams: StreamService;
  readonly aes67: Aes67Service;

  constructor(
    private readonly link: HostLink,
    private readonly options: { diagnostics: boolean; workerDir: string },
  ) {
    this.audio = new AudioService(
      this.registry,
      {
        meters: (data) => void this.link.send(eventMessage('audio.meters', data)),
        source: (data) => void this.link.send(eventMessage('audio.source', data)),
        signal: (data) => void this.link.send(eventMessage('audio.signal', data)),
        recorder: (data) => void this.link.send(eventMessage('recorder.status', data)),
        log: (level, message, error) => this.log(level, message, error),
      },
      options.workerDir,
    );
    this.streams = new StreamService(this.audio, this.registry, {
      state: (server, state) => void this.link.send(eventMessage('stream.state', { server, state })),
      title: (server, title, result) =>
        void this.link.send(eventMessage('stream.title', { server, title, ok: result.ok, ...(result.ok ? {} : { error: result.error }) })),
    });
    this.aes67 = new Aes67Service(this.audio, this.registry, {
      log: (level, message, error) => this.log(level, message, error),
      clock: (state) => void this.link.send(eventMessage('aes67.clock', state)),
    });
  }

  /** Timers and watchers that must stop before resources close (they might open new ones). */
  onShutdownStart(stop: () => void): void {
    this.beforeShutdown.push(stop);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, error?: AppError): void {
    void this.link.send(eventMessage('engine.log', error ? { level, message, error } : { level, message }));
  }

  async handle(raw: unknown): Promise<void> {
    const envelope = RequestEnvelopeSchema.safeParse(raw);
    if (!envelope.success) {
      this.log('warn', 'Ignored a malformed message from the host', appError('ENGINE_BAD_MESSAGE', envelope.error.message));
      return;
    }
    const { id, method, params } = envelope.data;
    const reply = (body: { ok: true; result: unknown } | { ok: false; error: AppError }): Promise<void> =>
      this.link.send({ v: ENGINE_PROTOCOL_VERSION, type: 'reply', id, ...body });
    if (!isEngineMethod(method)) {
      return reply({ ok: false, error: appError('ENGINE_UNKNOWN_METHOD', `The engine has no request "${method}"`) });
    }
    const parsed = engineRequests[method].params.safeParse(params);
    if (!parsed.success) {
      return reply({
        ok: false,
        error: appError('ENGINE_BAD_PARAMS', `Invalid parameters for ${method}`, parsed.error.message),
      });
    }
    try {
      const handler = this.handlers[method] as (p: unknown) => Promise<unknown> | unknown;
      const result = await handler(parsed.data);
      if (result === NO_REPLY) return;
      await reply({ ok: true, result });
    } catch (error) {
      await reply({ ok: false, error: toAppError(error, 'ENGINE_REQUEST_FAILED', `${method} failed`) });
    }
  }

  /** Memoized: the host's request, SIGTERM and an orphaned engine all share one sequence. */
  shutdown(reason: string, profile: ShutdownProfile, deadlineMs: number): Promise<EngineShutdownReport> {
    this.shutdownPromise ??= this.runShutdown(reason, profile, deadlineMs);
    return this.shutdownPromise;
  }

  private async runShutdown(reason: string, profile: ShutdownProfile, deadlineMs: number): Promise<EngineShutdownReport> {
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    for (const stop of this.beforeShutdown.splice(0)) stop();
    // Leave a little of the budget for replying and exiting.
    const resources = await this.registry.closeAll(Math.max(50, deadlineMs - 100));
    // Handles are released in libuv close callbacks, which run after the check phase of the
    // loop turn: let one full turn pass before looking for leaks.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    const activeHandlesAfter = process.getActiveResourcesInfo().filter((name) => !PROCESS_OWN_HANDLES.has(name));
    this.finished = true;
    return {
      reason,
      profile,
      startedAt,
      ms: Math.round(performance.now() - t0),
      resources,
      activeHandlesAfter,
      // Something still open that no registered resource accounts for is a leak.
      clean: resources.every((r) => r.outcome === 'closed') && activeHandlesAfter.length === 0,
    };
  }

  private readonly handlers: Handlers = {
    'engine.hello': () => ({ protocol: ENGINE_PROTOCOL_VERSION, pid: process.pid }),
    'engine.status': () => ({
      pid: process.pid,
      protocol: ENGINE_PROTOCOL_VERSION,
      uptimeMs: Math.round(performance.now() - this.startedAt),
      state: this.shutdownPromise ? 'shutting-down' : 'running',
      resources: this.registry.list(),
      diagnostics: this.options.diagnostics,
    }),
    'engine.shutdown': async ({ reason, profile, deadlineMs }) => {
      if (this.faults.has('hang-on-shutdown') || this.faults.has('ignore-sigterm')) return NO_REPLY as never;
      return this.shutdown(reason, profile, deadlineMs);
    },
    'audio.devices': async ({ probeRates }) => {
      const listed = await listDevices({ probeRates: probeRates ?? false });
      if ('error' in listed) throw listed.error;
      return { devices: listed.devices };
    },
    'audio.configure': (settings) => this.audio.configure(settings),
    'audio.status': () => {
      const format = this.audio.format;
      const source = this.audio.sourceDescription;
      return { ...(format ? { format } : {}), ...(source ? { source } : {}), recording: this.audio.recordingStatus() };
    },
    'recorder.start': () => this.audio.startRecording(),
    'recorder.split': () => {
      this.audio.splitRecording();
      return { requested: true as const };
    },
    'recorder.stop': () => this.audio.stopRecording(),
    'stream.start': async ({ server, info }) => {
      const error = await this.streams.start(server, info);
      if (error) throw error;
      return { started: true as const };
    },
    'stream.stop': async ({ name }) => {
      await this.streams.stop(name);
      return { stopped: true as const };
    },
    'stream.stopAll': async () => {
      await this.streams.stopAll();
      return { stopped: true as const };
    },
    'stream.setTitle': ({ title, prefix, suffix, delayMs }) => {
      this.streams.setTitle(title, { prefix, suffix, delayMs });
      return { submitted: true as const };
    },
    'stream.stats': () => ({ servers: Object.fromEntries(Object.entries(this.streams.stats()).map(([name, stats]) => [name, { ...stats }])) }),
    'aes67.start': ({ settings, sessionFile }) => this.aes67.start(settings, sessionFile),
    'aes67.stop': async () => {
      await this.aes67.stop();
      return { stopped: true as const };
    },
    'aes67.status': () => this.aes67.status(),
    'diagnostics.open': async ({ streamEncoder, ...params }) => {
      this.requireDiagnostics();
      const opened = await openDiagnosticResources(this.registry, params);
      if (streamEncoder) {
        let bytes = 0;
        const subscription = this.audio.openStreamEncoder(streamEncoder, (chunks) => {
          for (const chunk of chunks) bytes += chunk.bytes.length;
        });
        const mime = await subscription.mimeType;
        if (typeof mime !== 'string') throw mime;
        this.log('info', `Diagnostics: ${streamEncoder.codec} stream encoder running (${mime}); output counted (${bytes} bytes so far) and dropped`);
      }
      void this.link.send(eventMessage('engine.resources', { resources: this.registry.list() }));
      return opened;
    },
    'diagnostics.fault': ({ fault }) => {
      this.requireDiagnostics();
      this.faults.arm(fault);
      if (fault === 'crash') setImmediate(() => process.exit(70));
      return { armed: fault };
    },
  };

  private requireDiagnostics(): void {
    if (!this.options.diagnostics) {
      throw appError('ENGINE_DIAGNOSTICS_OFF', 'Diagnostics are disabled in this engine');
    }
  }
}

/** Returned by a handler that deliberately never answers (fault drills). */
const NO_REPLY = Symbol('no-reply');

// Handles that belong to the process itself (IPC, stdio, signal handlers), not to anything
// the engine opened.
const PROCESS_OWN_HANDLES = new Set(['PipeWrap', 'TTYWrap', 'SignalWrap']);
