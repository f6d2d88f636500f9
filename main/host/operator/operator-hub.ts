/**
 * The host side of the operator API (main/protocol/operator-api.ts), shared by both
 * transports: the event API (web UI, Stream Deck) and the desktop window's IPC. It turns
 * engine and host happenings into operator events, builds the snapshot, and runs commands
 * (dispatch in ./commands.ts). Transports validate payloads; this only sees valid commands.
 */
import type { EngineSupervisor } from '../../engine-host/engine-supervisor';
import type { EngineEventData } from '../../protocol/engine-protocol';
import type { EventName, OperatorCommand, OperatorSnapshot } from '../../protocol/operator-api';
import type { ShutdownTrigger } from '../../protocol/shutdown-report';
import type { SettingsStore } from '../../settings/settings-store';
import type { SecretStore } from '../../settings/secrets/secret-store';
import type { OperatorLog } from '../../shared/operator-log';
import type { HostAutomation } from '../host-automation';
import type { HostStreams } from '../host-streams';
import type { EngineState, UiSink } from '../host';
import type { LiveStatus } from '../live-status';
import { Aes67Control } from './aes67-control';
import { runCommand } from './commands';

/** What the hub needs from the host (Host passes itself and a few getters). */
export interface OperatorDeps {
  engine: EngineSupervisor;
  settings: SettingsStore;
  status: LiveStatus;
  log: OperatorLog;
  secrets(): SecretStore;
  streams(): HostStreams | undefined;
  automation(): HostAutomation | undefined;
  engineState(): EngineState;
  quit(trigger: ShutdownTrigger): void;
  addSink(sink: UiSink): void;
  /** Where the AES67 SDP session id and version persist (the data dir). */
  aes67SessionFile?: string;
}

/** Which transport a command came through: names the shutdown trigger of `quit`. */
export type CommandOrigin = 'event-api' | 'ipc' | 'tray';

/** Engine events passed through under their own names (meters become `audio.levels`). */
const PASSED_THROUGH = new Set(['audio.source', 'audio.signal', 'recorder.status', 'stream.state', 'stream.title']);

export type OperatorListener = (name: EventName, data: unknown) => void;

export class OperatorHub {
  readonly aes67: Aes67Control;
  private readonly listeners = new Set<OperatorListener>();
  private readonly lastStreamState = new Map<string, unknown>();
  private statsWired = false;

  constructor(readonly deps: OperatorDeps) {
    this.aes67 = new Aes67Control(deps.engine, () => deps.settings.get(), (name, data) => this.emit(name, data), deps.aes67SessionFile);
    deps.addSink({
      name: 'operator API',
      log: (entry) => this.emit('log', entry),
      engineState: (state) => {
        if (state.state !== 'running') this.engineGone();
        this.emit('engine.state', state);
      },
      shutdownStarted: (trigger) => this.emit('shutdown.started', { trigger }),
      shutdownProgress: (progress) => this.emit('shutdown.progress', progress),
    });
    deps.engine.onEvent((event, data) => {
      if (event === 'audio.meters') this.emit('audio.levels', (data as EngineEventData<'audio.meters'>).input);
      else if (PASSED_THROUGH.has(event)) {
        if (event === 'stream.state') {
          const update = data as EngineEventData<'stream.state'>;
          this.lastStreamState.set(update.server, update.state);
        }
        this.emit(event as EventName, data);
      }
    });
    deps.status.onChange((status) => this.emit('status', status));
  }

  /** The engine is not running: what it was sending stopped with it; screens are told so. */
  private engineGone(): void {
    this.aes67.engineGone();
    for (const [server, state] of this.lastStreamState) {
      const was = (state as { state?: string }).state;
      if (was === 'stopped' || was === 'failed') continue;
      const stopped = { state: 'stopped' };
      this.lastStreamState.set(server, stopped);
      this.emit('stream.state', { server, state: stopped });
    }
  }

  /** Called once the host's streams exist: their per-server stats become `stream.stats`. */
  wireStreams(streams: HostStreams): void {
    if (this.statsWired) return;
    this.statsWired = true;
    streams.onStats((stats) => this.emit('stream.stats', stats));
  }

  snapshot(): OperatorSnapshot {
    const { deps } = this;
    return {
      engine: deps.engineState(),
      status: deps.status.get() as unknown as Record<string, unknown>,
      streams: Object.fromEntries(this.lastStreamState),
      servers: deps.settings.get().stream.servers.map((s) => s.name),
      log: deps.log.entries().slice(-50),
      aes67: this.aes67.state(),
    };
  }

  on(listener: OperatorListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(name: EventName, data: unknown): void {
    for (const listener of this.listeners) {
      try {
        listener(name, data);
      } catch {
        // A transport's failure (a closed window) must not stop the others from hearing it.
      }
    }
  }

  /** Runs a validated command; rejects with an AppError. */
  command(command: OperatorCommand, origin: CommandOrigin = 'event-api'): Promise<unknown> {
    return runCommand(this, command, origin);
  }
}
