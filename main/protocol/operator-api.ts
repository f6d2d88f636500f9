/**
 * The operator API: every command an operator can give (from the desktop window through the
 * preload bridge, from the web UI or a Stream Deck through the event API) and every event
 * pushed back. One table for both transports: the event API validates incoming frames with
 * `commandParams`, main's IPC handler validates the preload's payloads with the same schemas,
 * and the renderer's client is typed from `CommandParams` / `CommandResults` / `EventData`.
 * No runtime imports besides zod: the renderer bundles this file.
 */
import { z } from 'zod';

/** Longest title a client may set (BUTT's own song field is far shorter). */
export const MAX_TITLE_LENGTH = 1024;
/** A pasted .buttrc is small; the event API's 64 KiB frame limit is the real bound. */
export const MAX_BUTTRC_TEXT = 60_000;

const NoParams = z.object({}).strict().optional();
const ServerName = z.string().min(1).max(256);

/** Every command, with the params it accepts. Unknown keys are refused (strict). */
export const commandParams = {
  connect: z.object({ server: ServerName.optional() }).strict().optional(),
  disconnect: NoParams,
  'record.start': NoParams,
  'record.stop': NoParams,
  'record.split': NoParams,
  'title.set': z.object({ title: z.string().max(MAX_TITLE_LENGTH) }).strict(),
  /** BUTT's -M/-m/-O/-o: seconds of signal/silence before acting; 0 switches the rule off. */
  'threshold.set': z
    .object({ kind: z.enum(['stream-signal', 'stream-silence', 'record-signal', 'record-silence']), seconds: z.number().min(0).max(86400) })
    .strict(),
  'status.get': NoParams,
  'settings.exportButtrc': NoParams,
  quit: NoParams,
  /** Quick stop: streaming, recording and AES67 off at once; the app stays open. */
  'stop.all': NoParams,
  'aes67.start': NoParams,
  'aes67.stop': NoParams,
  /** The SDP being announced (or that would be), for receivers configured by hand. */
  'aes67.sdp': NoParams,
  /** Master gain of both paths, applied live (dB, BUTT's range). */
  'gain.set': z.object({ db: z.number().min(-24).max(24) }).strict(),
  /** Input devices as the engine sees them now (a fresh scan). */
  'audio.devices': NoParams,
  /** The settings (passwords never included: servers carry `hasPassword`). */
  'settings.get': NoParams,
  /**
   * Replaces whole top-level sections (`{ audio: {...}, stream: {...} }`); the result is
   * validated against the settings schema as a whole, saved, and applied to the engine.
   */
  'settings.update': z.object({ sections: z.record(z.string().max(64), z.unknown()) }).strict(),
  /** Sets (or with '' clears) a server's password in the secret store. */
  'server.setPassword': z.object({ server: ServerName, password: z.string().max(1024) }).strict(),
  /** Connects to a saved server once and reports what happened, without streaming. */
  'server.test': z.object({ server: ServerName }).strict(),
  /** Reads a BUTT .buttrc's text and replaces the settings with it (passwords go to the secret store). */
  'settings.importButtrc': z.object({ text: z.string().max(MAX_BUTTRC_TEXT) }).strict(),
  /** The file a recording would get now, from a folder and a BUTT file-name template. */
  'record.previewName': z.object({ folder: z.string().max(4096), template: z.string().max(1024) }).strict(),
} as const;

export type CommandName = keyof typeof commandParams;
export const COMMAND_NAMES = Object.keys(commandParams) as CommandName[];
/** The params each command takes, after validation (`{}` where a command takes none). */
export type CommandParams = { [N in CommandName]: NonNullable<z.output<(typeof commandParams)[N]>> };

/** A validated command, as a host receives it. */
export type OperatorCommand = { [N in CommandName]: { name: N; params: CommandParams[N] } }[CommandName];

export interface ServerTestResult {
  ok: boolean;
  /** What the server answered, in words ("Connected and authorised", "Wrong password", ...). */
  message: string;
  code?: string;
  ms: number;
}

export interface AudioDeviceInfo {
  name: string;
  hostApi: string;
  maxInputChannels: number;
  defaultSampleRate: number;
  isDefault: boolean;
}

/**
 * What each command answers. `unknown` marks results whose shape a host fills (see
 * docs/EVENT-API.md); the UI only relies on the typed ones.
 */
export interface CommandResults {
  connect: { connecting: boolean; servers?: string[] };
  disconnect: { disconnected: boolean };
  'record.start': unknown;
  'record.stop': unknown;
  'record.split': unknown;
  'title.set': { submitted: boolean };
  'threshold.set': { set: boolean };
  'status.get': OperatorSnapshot;
  'settings.exportButtrc': { text: string; warnings: unknown[] };
  quit: { quitting: boolean };
  'stop.all': StopAllResult;
  'aes67.start': { running: true; sdp: string };
  'aes67.stop': { running: false };
  'aes67.sdp': { sdp: string; running: boolean };
  'gain.set': { db: number };
  'audio.devices': { devices: AudioDeviceInfo[]; defaultDevice?: string };
  /** The settings file's shape (main/settings/settings-schema.ts); servers add `hasPassword`. */
  'settings.get': { settings: Record<string, unknown> };
  'settings.update': { settings: Record<string, unknown>; applied: string[] };
  'server.setPassword': { set: boolean };
  'server.test': ServerTestResult;
  'settings.importButtrc': { settings: Record<string, unknown>; warnings: unknown[]; applied: string[] };
  'record.previewName': { path: string };
}

/** What quick stop did to one of the three: stopped it, found it off, or failed (with why). */
export interface StopOutcome {
  state: 'stopped' | 'was-off' | 'failed';
  error?: { code: string; message: string };
}
export interface StopAllResult {
  streaming: StopOutcome;
  recording: StopOutcome;
  aes67: StopOutcome;
}

/** `aes67.state` event data, and the snapshot's `aes67`. */
export interface Aes67StateEvent {
  running: boolean;
  sdp?: string;
  error?: { code: string; message: string };
  /** The last `ptp.state` (clock mode, lock state, grandmaster). */
  clock?: { mode: string; state: string; grandmaster: string | null; description: string };
  /** The sender's counters, refreshed about once a second while running. */
  counters?: Aes67Counters;
}

export interface Aes67Counters {
  packetsSent: number;
  /** Packets sent more than 1 ms after their deadline. */
  late1ms: number;
  resyncs: number;
  underruns: number;
  /** Which pacer sends ('native' | 'javascript'). */
  pacer?: string;
}

/** `stream.stats` event data (~1 Hz while streaming): per server, from the engine's senders. */
export interface StreamStatsEvent {
  servers: Record<string, { state: string; bytesSent: number; bitrateKbps: number; reconnects: number; droppedFrames: number }>;
}

/** The snapshot in `hello` and the answer to `status.get`. Hosts may add fields. */
export interface OperatorSnapshot {
  engine: { state: string; pid?: number; reason?: string };
  status: Record<string, unknown>;
  streams: Record<string, unknown>;
  servers: string[];
  log: unknown[];
  aes67: Aes67StateEvent;
  /**
   * Desktop app only (main/desktop/shortcut-controller.ts): each global shortcut of the
   * settings and whether the OS took it; a refused one carries the error to show beside it.
   * Absent in the web UI (a browser has no global shortcuts).
   */
  globalShortcuts?: { action: string; accelerator: string; state: 'registered' | 'refused'; error?: { code: string; message: string } }[];
}

/** Events pushed to operators. `audio.levels` is throttled per client and dropped, never queued. */
export const EVENT_NAMES = [
  'engine.state',
  'stream.state',
  'stream.title',
  'stream.stats',
  'audio.levels',
  'audio.source',
  'audio.signal',
  'recorder.status',
  'status',
  'log',
  'shutdown.started',
  'shutdown.progress',
  'aes67.state',
  'ptp.state',
  'settings.changed',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Events that are only ever the latest value: sampled per client, dropped rather than queued. */
export const LEVEL_EVENT = 'audio.levels';

/**
 * Checks a command name and its params against the table: the one validation both
 * transports use (event API frames, IPC payloads). Never throws.
 */
export function parseOperatorCommand(
  name: string,
  params: unknown,
): { ok: true; command: OperatorCommand } | { ok: false; error: { code: 'API_UNKNOWN_COMMAND' | 'API_BAD_PARAMS'; message: string } } {
  if (!Object.hasOwn(commandParams, name)) {
    return { ok: false, error: { code: 'API_UNKNOWN_COMMAND', message: `Unknown command "${name.slice(0, 64)}". Known: ${COMMAND_NAMES.join(', ')}.` } };
  }
  const checked = (commandParams[name as CommandName] as z.ZodType).safeParse(params);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: { code: 'API_BAD_PARAMS', message: `Bad params for "${name}": ${where}${issue?.message ?? 'invalid'}`.slice(0, 300) } };
  }
  return { ok: true, command: { name, params: checked.data ?? {} } as OperatorCommand };
}

/** The params a caller passes (before defaults): `undefined` where a command takes none. */
export type CommandInput = { [N in CommandName]: z.input<(typeof commandParams)[N]> };

/**
 * What the renderer talks to, whatever carries it: the preload bridge in the desktop app
 * (`window.airtight.operator`), a WebSocket to the event API in a browser. A failed command
 * rejects with an AppError value `{ code, message }`.
 */
export interface OperatorClient {
  command<N extends CommandName>(name: N, ...params: undefined extends CommandInput[N] ? [CommandInput[N]?] : [CommandInput[N]]): Promise<CommandResults[N]>;
  /** The current snapshot, also after a reconnect. */
  snapshot(): Promise<OperatorSnapshot>;
  /** Every operator event; returns the unsubscribe function. */
  onEvent(listener: (name: EventName, data: unknown) => void): () => void;
}
