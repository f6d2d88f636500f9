/**
 * Everything the main window shows, fed by the transport's snapshots and events. Levels are
 * not here (see levels.ts): they change too often for React state.
 */
import { create } from 'zustand';
import type { LogEntry } from '../../../main/shared/operator-log';
import type { AppError } from '../../../main/shared/errors';
import type { ShutdownProgress, ShutdownTrigger } from '../../../main/protocol/shutdown-report';
import type { Aes67Counters, OperatorSnapshot } from '../../../main/protocol/operator-api';
import type { LinkState } from '../transport/operator-transport';
import type { StatusV3 } from '../../../main/host/control/wire';
import { idleStatus } from '../../../main/host/control/target';

const KEEP_LOG = 300;

/** BUTT's status fields, as the event API sends them (the meters go through levels.ts). */
export type StatusFields = Omit<StatusV3, 'volumeLeftDb' | 'volumeRightDb'>;

export interface EngineInfo {
  state: string;
  pid?: number;
  reason?: string;
}

export interface ServerState {
  state: string;
  since?: string;
  error?: AppError;
}

export interface ServerStats {
  bytesSent?: number;
  bitrateKbps?: number;
  reconnects?: number;
  listeners?: number;
}

export interface Aes67Info {
  running?: boolean;
  packets?: number;
  late?: number;
  clockState?: string;
  grandmaster?: string | null;
  clockDescription?: string;
  error?: AppError;
}

export interface OperatorState {
  link: LinkState;
  engine: EngineInfo;
  status: StatusFields;
  servers: string[];
  streams: Record<string, ServerState>;
  stats: Record<string, ServerStats>;
  titles: Record<string, { title: string; ok: boolean; error?: AppError }>;
  audioSource: { state: string; description: string; error?: AppError } | undefined;
  aes67: Aes67Info;
  recordError: AppError | undefined;
  gainDb: number;
  log: LogEntry[];
  /** The previous run's crash or unclean shutdown, said once at start (desktop app). */
  notice: string | undefined;
  shutdown: { trigger: string; steps: ShutdownProgress[] } | undefined;
}

const { volumeLeftDb: _left, volumeRightDb: _right, ...idle } = idleStatus();
export const IDLE_STATUS: StatusFields = idle;

export const useOperator = create<OperatorState>(() => ({
  link: { state: 'connecting' },
  engine: { state: 'starting' },
  status: IDLE_STATUS,
  servers: [],
  streams: {},
  stats: {},
  titles: {},
  audioSource: undefined,
  aes67: {},
  recordError: undefined,
  gainDb: 0,
  log: [],
  notice: undefined,
  shutdown: undefined,
}));

const set = useOperator.setState;

function logKey(entry: LogEntry): string {
  return `${entry.time}|${entry.message}`;
}

export function addLog(entry: LogEntry): void {
  set((s) => {
    // The desktop app may deliver one entry on two channels; keep it once.
    if (s.log.some((e) => logKey(e) === logKey(entry))) return s;
    return { log: [...s.log, entry].slice(-KEEP_LOG) };
  });
}

/** An error the UI itself met (a refused command): it goes to the log panel like the host's. */
export function addUiError(error: AppError, what: string): void {
  addLog({ time: new Date().toISOString(), level: 'error', source: 'host', message: `${what}: ${error.message}`, error });
}

export function applySnapshot(snapshot: OperatorSnapshot): void {
  const streams = (snapshot.streams ?? {}) as Record<string, ServerState>;
  const log = Array.isArray(snapshot.log) ? (snapshot.log as LogEntry[]) : [];
  set((s) => {
    const known = new Set(s.log.map(logKey));
    const merged = [...s.log, ...log.filter((e) => !known.has(logKey(e)))].sort((a, b) => a.time.localeCompare(b.time));
    return {
      engine: (snapshot.engine as EngineInfo) ?? s.engine,
      status: { ...IDLE_STATUS, ...(snapshot.status as Partial<StatusFields>) },
      servers: Array.isArray(snapshot.servers) ? snapshot.servers : s.servers,
      streams,
      log: merged.slice(-KEEP_LOG),
      notice: (snapshot as { notice?: string }).notice ?? s.notice,
      // A host answers hello/status.get only while it is not quitting: a snapshot means the
      // shutdown shown before (the previous instance's) is over.
      shutdown: undefined,
      ...(snapshot.aes67 ? { aes67: { ...s.aes67, ...readAes67(snapshot.aes67) } } : {}),
    };
  });
}

export function setLink(link: LinkState): void {
  set({ link });
}

function readAes67(data: unknown): Aes67Info {
  const d = (data ?? {}) as Record<string, unknown>;
  const info: Aes67Info = {};
  if (typeof d.running === 'boolean') info.running = d.running;
  const counters = d.counters as Aes67Counters | undefined;
  if (counters) {
    info.packets = counters.packetsSent;
    info.late = counters.late1ms;
  }
  if (d.error && typeof d.error === 'object') info.error = d.error as AppError;
  else if (typeof d.running === 'boolean') info.error = undefined;
  // The host folds the last ptp.state into aes67.state as `clock`.
  if (d.clock && typeof d.clock === 'object') Object.assign(info, readClock(d.clock));
  return info;
}

function readClock(data: unknown): Aes67Info {
  const d = (data ?? {}) as Record<string, unknown>;
  return {
    ...(typeof d.state === 'string' ? { clockState: d.state } : {}),
    ...(d.grandmaster !== undefined ? { grandmaster: d.grandmaster as string | null } : {}),
    ...(typeof d.description === 'string' ? { clockDescription: d.description } : {}),
  };
}

function readStats(data: unknown): Record<string, ServerStats> {
  const d = (data ?? {}) as Record<string, unknown>;
  // Either `{ servers: { Main: {...} } }` (the engine's stream.stats) or one `{ server, ... }`.
  if (d.servers && typeof d.servers === 'object') return d.servers as Record<string, ServerStats>;
  if (typeof d.server === 'string') return { [d.server]: d as ServerStats };
  return {};
}

/** One operator event into the store. */
export function applyEvent(name: string, data: unknown): void {
  const d = data as Record<string, unknown>;
  switch (name) {
    case 'engine.state':
      set({ engine: d as unknown as EngineInfo });
      return;
    case 'status':
      set((s) => ({ status: { ...s.status, ...(d as Partial<StatusFields>) } }));
      return;
    case 'stream.state': {
      const server = String(d.server);
      set((s) => ({
        streams: { ...s.streams, [server]: d.state as ServerState },
        servers: s.servers.includes(server) ? s.servers : [...s.servers, server],
      }));
      return;
    }
    case 'stream.stats':
      set((s) => ({ stats: { ...s.stats, ...readStats(d) } }));
      return;
    case 'stream.title':
      set((s) => ({ titles: { ...s.titles, [String(d.server)]: { title: String(d.title), ok: Boolean(d.ok), error: d.error as AppError | undefined } } }));
      return;
    case 'audio.source':
      set({ audioSource: d as unknown as OperatorState['audioSource'] });
      return;
    case 'recorder.status':
      if (d.state === 'failed' || d.state === 'warning') set({ recordError: d.error as AppError });
      else if (d.state === 'recording') set({ recordError: undefined });
      return;
    case 'aes67.state':
      set((s) => ({ aes67: { ...s.aes67, ...readAes67(d) } }));
      return;
    case 'aes67.clock':
    case 'ptp.state':
      set((s) => ({ aes67: { ...s.aes67, ...readClock(d) } }));
      return;
    case 'log':
      addLog(d as unknown as LogEntry);
      return;
    case 'shutdown.started':
      set((s) => ({ shutdown: s.shutdown ?? { trigger: String(d.trigger as ShutdownTrigger), steps: [] } }));
      return;
    case 'shutdown.progress': {
      const progress = d as unknown as ShutdownProgress;
      set((s) => {
        const current = s.shutdown ?? { trigger: String(progress.trigger), steps: [] };
        return { shutdown: { ...current, steps: [...current.steps.filter((step) => step.phase !== progress.phase), progress] } };
      });
      return;
    }
  }
}

/** On air: at least one server connected (or connecting), so quitting needs a confirmation. */
export function isOnAir(state: OperatorState): boolean {
  return state.status.connected || state.status.connecting || state.status.recording;
}
