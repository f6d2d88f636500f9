/**
 * The renderer <-> main contract (GitHub Desktop style): channel names and payload types,
 * typed once and used by main's handlers, the preload bridge and the renderer.
 * No runtime imports: the sandboxed preload can load nothing but 'electron'.
 */
import type { EngineState } from '../host/host';
import type { LogEntry } from '../shared/operator-log';
import type { ShutdownProgress, ShutdownTrigger } from './shutdown-report';
import type { EventName, OperatorClient, OperatorSnapshot } from './operator-api';

export interface UiState {
  version: string;
  engine: EngineState;
  previousRunNotice?: string;
  shuttingDown: boolean;
  recentLog: LogEntry[];
}

/** Requests the renderer may make, with what each answers. Main validates each payload. */
export interface InvokeResponses {
  'app:get-state': UiState;
  'app:quit': void;
  /**
   * One operator command (main/protocol/operator-api.ts), validated in main with the same
   * schemas as the event API. Answers an outcome rather than throwing: Electron turns a
   * thrown error into a bare message, and the renderer needs the AppError's code.
   */
  'operator:command': OperatorOutcome;
  'operator:snapshot': OperatorSnapshot;
}

/** The payload of `operator:command`. */
export interface OperatorInvoke {
  name: string;
  params?: unknown;
}
export type OperatorOutcome = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; detail?: string } };
export type InvokeChannel = keyof InvokeResponses;

/** Events main pushes to the renderer. */
export interface EventPayloads {
  'app:engine-state': EngineState;
  'app:log': LogEntry;
  'app:shutdown-started': { trigger: ShutdownTrigger };
  'app:shutdown-progress': ShutdownProgress;
  /** Every operator event, as the event API sends them. */
  'operator:event': { name: EventName; data: unknown };
}
export type EventChannel = keyof EventPayloads;
export const EVENT_CHANNELS: readonly EventChannel[] = ['app:engine-state', 'app:log', 'app:shutdown-started', 'app:shutdown-progress', 'operator:event'];

/** What the preload exposes as `window.airtight`: the renderer's only way out. */
export interface AirtightApi {
  getState(): Promise<UiState>;
  quit(): Promise<void>;
  on<C extends EventChannel>(channel: C, listener: (payload: EventPayloads[C]) => void): () => void;
  /** The operator API over IPC: the same commands and events the web UI gets over the event API. */
  operator: OperatorClient;
}
