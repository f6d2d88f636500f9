/**
 * One AES67 output: the pacer thread (RTP), the SDP, the SAP announcer and the audio entry.
 *
 * Stop runs in a fixed order, each step its own resource so the engine's shutdown report
 * names it:
 *   1. SAP announce timer stopped
 *   2. pacer woken and stopped, RTP socket closed
 *   3. SAP deletion sent 3 times, SAP socket closed
 *   4. pacer thread joined (in the registry's later 'workers' stage)
 * The three aes67-stage steps close in parallel in the registry, so each one awaits the step
 * before it. (The sender joins no multicast group; PTP memberships belong to the follower.)
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { appError, type AppError } from '../../shared/errors';
import type { ResourceKind, ResourceStage } from '../../protocol/engine-protocol';
import type { ResourceHandle, ResourceRegistry } from '../resource-registry';
import type { MediaClock, ClockState } from './media-clock';
import { SharedAudioRing } from './audio-ring';
import { Aes67Input, type InputCounters } from './aes67-input';
import { PacerStats, type PacerCounters, type LatenessSummary } from './pacer-stats';
import { SdpSession, describeSender, saveSdp, type PreviousSdp } from './sdp';
import { resolveInterfaceAddress } from './interface-address';

// The host (aes67.sdp preview) imports this from its own module: importing sender.ts would put
// it in a chunk shared with the host bundle, and its __dirname-relative worker path would break.
export { resolveInterfaceAddress };
import { SapAnnouncer, type SapCounts } from './sap';
import { effectiveDscp, type Aes67SenderSettings } from './aes67-settings';
import { randomIdentity, samplesPerPacket, AES67_RATE, type PacketTimeMs } from './rtp';
import { STOP_FLAG, type SenderJob, type SenderWorkerEvent, type PacerChoice, type PacerInUse } from './sender-worker';
import type { DscpStatus } from './dscp-socket';

export interface Aes67SenderOptions {
  settings: Aes67SenderSettings;
  clock: MediaClock;
  /** Rate of the blocks passed to push(); they are resampled to 48 kHz. */
  inputRate: number;
  /** Ring fill kept ahead of the pacer, ms (covers stalls of the engine thread). Default 40. */
  bufferMs?: number;
  /** The previous run's SDP session (same id; version kept or +1), and where each version goes. */
  sdpSession?: { previous?: PreviousSdp; onVersion?: (record: PreviousSdp) => void };
  /** Tests: SAP to another group/port/interval. */
  sap?: { group?: string; port?: number; intervalMs?: number };
  /**
   * Pacer choice and tuning. kind: 'auto' (default; native when the addon loads, else
   * JavaScript), or forced; the environment variable AIRTIGHT_AES67_PACER=native|javascript|auto
   * applies when kind is not given. realtimePriority: SCHED_FIFO priority the native thread
   * asks for (default 20, 0 = none).
   */
  pacer?: { kind?: PacerChoice; spinUs?: number; maxCatchUpPackets?: number; realtimePriority?: number };
  /** Worker entry; default: aes67-sender-worker.js beside the engine bundle, or the TS source under tsx. */
  workerEntry?: string;
}

export interface StopStep {
  step: 'announcer-timer' | 'rtp-sender' | 'sap-deletion' | 'pacer-thread';
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface Aes67Status {
  state: 'running' | 'stopping' | 'stopped';
  clock: ClockState;
  grandmasterId: string | null;
  sdpVersion: number;
  dscp: DscpStatus;
  pacer: PacerCounters;
  lateness: LatenessSummary;
  input: InputCounters;
  sap: SapCounts;
  /** Which pacer runs (native thread or the JavaScript worker) and why. */
  pacerInUse: PacerInUse;
  /** OS thread id of the pacer (Linux), for CPU accounting. */
  pacerTid: number | null;
  /** OS thread id of the sender worker (with the native pacer: the thread that owns and joins it). */
  workerTid: number | null;
}

const PACER_CHOICES: readonly PacerChoice[] = ['auto', 'native', 'javascript'];

/** The option, else AIRTIGHT_AES67_PACER, else 'auto'. */
export function pacerChoice(option: PacerChoice | undefined, env: string | undefined = process.env.AIRTIGHT_AES67_PACER): PacerChoice {
  if (option) return option;
  return PACER_CHOICES.find((c) => c === env) ?? 'auto';
}

/** One line for the operator log: which pacer runs and why. */
export function describePacer(p: PacerInUse): string {
  if (p.kind === 'javascript') return `JavaScript pacer (${p.reason})`;
  const rt = p.realtime?.granted ? 'real-time priority: granted' : `real-time priority: refused (${p.realtime?.reason ?? 'unknown'})`;
  return `native pacing thread, ${rt}`;
}

interface Step {
  meta: { kind: ResourceKind; stage: ResourceStage; label: string };
  name: StopStep['step'];
  run: (signal: AbortSignal) => Promise<void>;
}

const DEFAULT_BUFFER_MS = 40;

function defaultWorker(job: SenderJob): Worker {
  if (__filename.endsWith('.ts')) {
    // Running from source (tests, tsx): register tsx inside the thread, then load the TS entry.
    const tsx = require.resolve('tsx/cjs');
    const entry = join(__dirname, 'sender-worker.ts');
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, { eval: true, workerData: job });
  }
  return new Worker(join(__dirname, 'aes67-sender-worker.js'), { workerData: job });
}

export class Aes67Sender {
  private state: Aes67Status['state'] = 'running';
  private readonly stepResults = new Map<StopStep['step'], Promise<StopStep>>();
  private readonly workerExit: Promise<number>;
  private rtpClosed!: Promise<void>;
  /** Native pacer: the addon's answer to stop (thread joined within its deadline or not). */
  private nativeJoin: { joined: boolean; ms: number } | null = null;
  private unsubscribeClock: () => void = () => undefined;

  private constructor(
    private readonly options: Aes67SenderOptions,
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly stats: PacerStats,
    private readonly input: Aes67Input,
    private readonly session: SdpSession,
    private readonly sap: SapAnnouncer | null,
    private readonly started: Extract<SenderWorkerEvent, { type: 'started' }>,
    rtpClosed: Promise<void>,
  ) {
    this.rtpClosed = rtpClosed;
    this.workerExit = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('message', (event: SenderWorkerEvent) => {
      if (event.type === 'native-joined') this.nativeJoin = { joined: event.joined, ms: event.ms };
    });
  }

  static async start(options: Aes67SenderOptions): Promise<Aes67Sender | { error: AppError }> {
    const s = options.settings;
    const resolved = resolveInterfaceAddress(s.interface);
    if ('error' in resolved) return resolved;
    const frames = samplesPerPacket(s.packetTimeMs as PacketTimeMs);
    const bufferFrames = Math.round(((options.bufferMs ?? DEFAULT_BUFFER_MS) * AES67_RATE) / 1000);
    const ring = SharedAudioRing.create(s.channels, bufferFrames * 4);
    const stats = PacerStats.create();
    const control = new Int32Array(new SharedArrayBuffer(4));
    const identity = randomIdentity(s.payloadType);
    const mediaClockOffset = 0;

    const session = new SdpSession(
      describeSender(s, resolved.address, { grandmasterId: options.clock.grandmasterId(), ptpDomain: options.clock.domain(), mediaClockOffset }),
      options.sdpSession?.previous,
      options.sdpSession?.onVersion,
    );

    const job: SenderJob = {
      ring: ring.buffer,
      clock: options.clock.mapping,
      stats: stats.buffer,
      control: control.buffer as SharedArrayBuffer,
      group: s.address,
      port: s.port,
      ttl: s.ttl,
      interfaceAddress: resolved.address,
      loopback: s.loopback,
      dscp: effectiveDscp(s),
      encoding: s.encoding,
      channels: s.channels,
      framesPerPacket: frames,
      payloadType: identity.payloadType,
      ssrc: identity.ssrc,
      firstSequence: identity.firstSequence,
      mediaClockOffset,
      primeFrames: bufferFrames,
      maxCatchUpPackets: options.pacer?.maxCatchUpPackets ?? Math.max(2, Math.round(20 / (s.packetTimeMs as number))),
      spinUs: options.pacer?.spinUs ?? 100, // measured best trade-off here: see bench/aes67-pacing.ts
      pacer: pacerChoice(options.pacer?.kind),
      realtimePriority: options.pacer?.realtimePriority ?? 20,
    };

    let worker: Worker;
    try {
      worker = options.workerEntry ? new Worker(options.workerEntry, { workerData: job }) : defaultWorker(job);
    } catch (error) {
      return { error: appError('AES67_WORKER_FAILED', 'The AES67 pacer thread could not start', String(error)) };
    }
    let onRtpClosed!: () => void;
    const rtpClosed = new Promise<void>((resolve) => (onRtpClosed = resolve));
    worker.once('exit', () => onRtpClosed()); // a thread that ended has closed its socket too
    worker.on('error', () => undefined); // reported by the start result or the stop steps, never a crash
    const first = await new Promise<SenderWorkerEvent | { type: 'exit' }>((resolve) => {
      worker.on('message', (event: SenderWorkerEvent) => {
        if (event.type === 'rtp-closed') onRtpClosed();
        resolve(event);
      });
      worker.once('error', (error) => resolve({ type: 'error', message: String(error) }));
      worker.once('exit', () => resolve({ type: 'exit' }));
    });
    if (first.type !== 'started') {
      await worker.terminate();
      const detail = first.type === 'error' ? first.message : 'the thread exited before starting';
      return { error: appError('AES67_SENDER_FAILED', `The AES67 sender could not start on ${resolved.address}`, detail) };
    }

    let sap: SapAnnouncer | null = null;
    if (s.sap) {
      sap = new SapAnnouncer({
        sourceAddress: resolved.address,
        ttl: s.ttl,
        loopback: s.loopback,
        ...(options.sap?.group ? { group: options.sap.group } : {}),
        ...(options.sap?.port ? { port: options.sap.port } : {}),
        ...(options.sap?.intervalMs ? { intervalMs: options.sap.intervalMs } : {}),
      });
      try {
        await sap.open();
      } catch (error) {
        Atomics.store(control, STOP_FLAG, 1);
        Atomics.notify(control, STOP_FLAG);
        await worker.terminate();
        return { error: appError('AES67_SAP_FAILED', 'The SAP announcer could not open its socket', String(error)) };
      }
    }

    const sender = new Aes67Sender(
      options,
      worker,
      control,
      stats,
      new Aes67Input(ring, options.inputRate, bufferFrames),
      session,
      sap,
      first,
      rtpClosed,
    );
    await sender.announceCurrent();
    sender.unsubscribeClock = options.clock.onChange(() => void sender.refreshClock());
    sap?.setBeforeRepeat(() => sender.refreshClock());
    return sender;
  }

  /** Audio from the engine's stream path: interleaved, `settings.channels` per frame, at inputRate. */
  push(samples: Float32Array): void {
    if (this.state === 'running') this.input.push(samples);
  }

  get sdp(): string {
    return this.session.sdp;
  }

  saveSdp(path: string): Promise<AppError | null> {
    return saveSdp(path, this.session.sdp);
  }

  /** RTP timestamp of the first packet and the absolute sample index it stands for. */
  get origin(): { firstTimestamp: number; firstSample: number } {
    return { firstTimestamp: this.started.firstTimestamp, firstSample: this.started.firstSample };
  }

  status(): Aes67Status {
    return {
      state: this.state,
      clock: this.options.clock.state(),
      grandmasterId: this.options.clock.grandmasterId(),
      sdpVersion: this.session.version,
      dscp: this.started.dscp,
      pacer: this.stats.snapshot(),
      lateness: this.stats.lateness(),
      input: this.input.snapshot(),
      sap: this.sap?.snapshot() ?? { announcements: 0, deletions: 0 },
      pacerInUse: this.started.pacer,
      pacerTid: this.started.tid,
      workerTid: this.started.workerTid,
    };
  }

  /** Benchmarks: start a new lateness window. */
  resetLateness(): void {
    this.stats.resetLateness();
  }

  /** Re-reads the grandmaster; a change bumps the SDP version and re-announces (deletion of the old first). */
  refreshClock(): boolean {
    if (this.state !== 'running') return false;
    const changed = this.session.update({ grandmasterId: this.options.clock.grandmasterId(), ptpDomain: this.options.clock.domain() });
    if (changed) void this.announceCurrent();
    return changed;
  }

  /** Renames the stream (SDP s=), a change like any other: version +1, re-announced. */
  rename(streamName: string): boolean {
    const changed = this.session.update({ streamName });
    if (changed) void this.announceCurrent();
    return changed;
  }

  private async announceCurrent(): Promise<void> {
    await this.sap?.announce(this.session.sessionId, this.session.version, this.session.sdp);
  }

  /** The stop steps, in order, for the engine's resource registry. */
  private steps(): Step[] {
    const { address, port } = this.options.settings;
    const native = this.started.pacer.kind === 'native';
    return [
      {
        name: 'announcer-timer',
        meta: { kind: 'timer', stage: 'aes67', label: 'AES67 SAP announce timer' },
        run: async () => {
          this.state = 'stopping';
          this.unsubscribeClock();
          this.sap?.stopTimer();
        },
      },
      {
        name: 'rtp-sender',
        meta: { kind: 'udp-socket', stage: 'aes67', label: `AES67 RTP sender to ${address}:${port} (pacer woken, socket closed)` },
        run: async (signal) => {
          Atomics.store(this.control, STOP_FLAG, 1);
          Atomics.notify(this.control, STOP_FLAG);
          const onAbort = (): void => void this.worker.terminate();
          signal.addEventListener('abort', onAbort, { once: true });
          await this.rtpClosed;
          signal.removeEventListener('abort', onAbort);
        },
      },
      {
        name: 'sap-deletion',
        meta: { kind: 'udp-socket', stage: 'aes67', label: 'AES67 SAP deletion sent 3 times, SAP socket closed' },
        run: async () => {
          if (!this.sap) return;
          const sent = await this.sap.sendDeletion(3);
          await this.sap.close();
          if (sent !== 3) throw new Error(`SAP deletion went out ${sent} of 3 times`);
        },
      },
      {
        name: 'pacer-thread',
        meta: {
          kind: 'worker-thread',
          stage: 'workers',
          label: native ? 'AES67 pacer thread joined (native pacing thread and its owner worker)' : 'AES67 pacer thread joined (JavaScript pacer worker)',
        },
        run: async (signal) => {
          const onAbort = (): void => void this.worker.terminate();
          signal.addEventListener('abort', onAbort, { once: true });
          await this.workerExit;
          signal.removeEventListener('abort', onAbort);
          this.state = 'stopped';
          // The worker exits only after the addon's stop returned; a thread that did not join is a failure to report.
          if (native && !this.nativeJoin?.joined) {
            throw new Error(this.nativeJoin ? `native pacing thread not joined within 1000 ms` : 'native pacing thread: no join report (worker terminated)');
          }
        },
      },
    ];
  }

  /** Runs step `index` once, after the steps before it; later callers get the same result. */
  private runStep(all: Step[], index: number, signal: AbortSignal): Promise<StopStep> {
    const step = all[index]!;
    let result = this.stepResults.get(step.name);
    if (!result) {
      const previous = index > 0 ? this.runStep(all, index - 1, signal) : Promise.resolve(null);
      result = previous.then(async () => {
        const start = performance.now();
        try {
          await step.run(signal);
          return { step: step.name, ok: true, ms: performance.now() - start };
        } catch (error) {
          return { step: step.name, ok: false, ms: performance.now() - start, detail: String(error) };
        }
      });
      this.stepResults.set(step.name, result);
    }
    return result;
  }

  /** Registers every stop step as a resource; the registry's closeAll() then stops the sender in order. */
  register(registry: ResourceRegistry): ResourceHandle[] {
    const all = this.steps();
    return all.map((step, index) =>
      registry.register(step.meta, async (signal) => {
        const result = await this.runStep(all, index, signal);
        if (!result.ok) throw new Error(result.detail);
      }),
    );
  }

  /** Stops without a registry (tests, reconfiguration): the same steps, same order. */
  async stop(deadlineMs = 2000): Promise<StopStep[]> {
    const all = this.steps();
    const signal = AbortSignal.timeout(deadlineMs);
    return Promise.all(all.map((_, index) => this.runStep(all, index, signal)));
  }
}
