/**
 * The renderer <-> main contract (GitHub Desktop style): channel names and payload types,
 * typed once and used by main's handlers, the preload bridge and the renderer.
 * No runtime imports: the sandboxed preload can load nothing but 'electron'.
 */
import type { EngineState } from '../host/host';
import type { LogEntry } from '../shared/operator-log';
import type { ShutdownProgress, ShutdownTrigger } from './shutdown-report';

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
}
export type InvokeChannel = keyof InvokeResponses;

/** Events main pushes to the renderer. */
export interface EventPayloads {
  'app:engine-state': EngineState;
  'app:log': LogEntry;
  'app:shutdown-started': { trigger: ShutdownTrigger };
  'app:shutdown-progress': ShutdownProgress;
}
export type EventChannel = keyof EventPayloads;
export const EVENT_CHANNELS: readonly EventChannel[] = ['app:engine-state', 'app:log', 'app:shutdown-started', 'app:shutdown-progress'];

/** What the preload exposes as `window.airtight`: the renderer's only way out. */
export interface AirtightApi {
  getState(): Promise<UiState>;
  quit(): Promise<void>;
  on<C extends EventChannel>(channel: C, listener: (payload: EventPayloads[C]) => void): () => void;
}
