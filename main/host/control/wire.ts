/**
 * BUTT's control wire format (see shared/reference/butt-compat.md, "Control wire protocol", and
 * the bytes captured from BUTT 0.1.37 in shared/fixtures/butt/control-wire-0.1.37.txt).
 *
 * Request: u32 cmd | u32 param_size | 8 bytes padding (garbage) | params, little-endian.
 * Replies: a 4-byte ack (0) for every command but status; status is answered with a
 * version-3 packet instead. Everything here is pure: no sockets, no clocks.
 */
import { appError, type AppError } from '../../shared/errors';

export const HEADER_SIZE = 16;
/** BUTT's server reads at most this many parameter bytes; we refuse anything longer. */
export const MAX_PARAM_SIZE = 1000;
export const MAX_FRAME_SIZE = HEADER_SIZE + MAX_PARAM_SIZE;
export const STATUS_FIXED_SIZE = 34;
export const STATUS_VERSION = 3;
/** Thresholds up to one day are plain integer seconds when sent as int32 (BUTT <= 1.42). */
export const MAX_THRESHOLD_SECONDS = 86_400;
/** What BUTT's UDP server answers to a status request over its rate limit (SOCK_ERR_RECV). */
export const RATE_LIMITED_CODE = -10;
/** Status strings are cut to these many bytes (plus the NUL) so a reply fits any client. */
export const MAX_SONG_BYTES = 999;
export const MAX_PATH_BYTES = 4095;

export const Command = {
  connect: 1,
  disconnect: 2,
  startRecording: 3,
  stopRecording: 4,
  status: 5,
  splitRecording: 6,
  quit: 7,
  setSong: 8,
  streamSignalThreshold: 9,
  streamSilenceThreshold: 10,
  recordSignalThreshold: 11,
  recordSilenceThreshold: 12,
} as const;

export type ThresholdKind = 'stream-signal' | 'stream-silence' | 'record-signal' | 'record-silence';

const THRESHOLD_BY_CMD: Record<number, ThresholdKind> = {
  [Command.streamSignalThreshold]: 'stream-signal',
  [Command.streamSilenceThreshold]: 'stream-silence',
  [Command.recordSignalThreshold]: 'record-signal',
  [Command.recordSilenceThreshold]: 'record-silence',
};
const CMD_BY_THRESHOLD: Record<ThresholdKind, number> = {
  'stream-signal': Command.streamSignalThreshold,
  'stream-silence': Command.streamSilenceThreshold,
  'record-signal': Command.recordSignalThreshold,
  'record-silence': Command.recordSilenceThreshold,
};

export type ControlRequest =
  | { kind: 'connect'; serverName?: string }
  | { kind: 'disconnect' }
  | { kind: 'start-recording' }
  | { kind: 'stop-recording' }
  | { kind: 'status' }
  | { kind: 'split-recording' }
  | { kind: 'quit' }
  | { kind: 'set-song'; title: string }
  | { kind: 'set-threshold'; threshold: ThresholdKind; seconds: number };

/** What a status request reports: BUTT's status packet version 3, as values. */
export interface StatusV3 {
  connected: boolean;
  connecting: boolean;
  recording: boolean;
  /** BUTT's "signal present" (stream signal detection). */
  signal: boolean;
  /** BUTT's "signal absent" (silence detected). */
  silence: boolean;
  /** Peak level in dBFS; -90 or below (or -Infinity) is the floor. */
  volumeLeftDb: number;
  volumeRightDb: number;
  streamSeconds: number;
  streamKBytes: number;
  recordSeconds: number;
  recordKBytes: number;
  song: string;
  recordPath: string;
  /** -1 when unknown. */
  listeners: number;
}

export type FrameResult =
  | { status: 'incomplete' }
  | { status: 'ok'; request: ControlRequest; frameLength: number }
  | { status: 'invalid'; error: AppError };

const bad = (message: string): FrameResult => ({ status: 'invalid', error: appError('CONTROL_BAD_FRAME', message) });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one request from the start of `buf`. `incomplete` means more bytes may still make a
 * frame; `invalid` means no amount of further bytes will. Bytes after the frame are ignored.
 */
export function decodeFrame(buf: Uint8Array): FrameResult {
  if (buf.length < HEADER_SIZE) return { status: 'incomplete' };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const cmd = view.getUint32(0, true);
  const paramSize = view.getUint32(4, true);
  if (cmd < Command.connect || cmd > Command.recordSilenceThreshold) return bad(`unknown command ${cmd}`);
  if (paramSize > MAX_PARAM_SIZE) return bad(`parameter size ${paramSize} is over ${MAX_PARAM_SIZE}`);
  const frameLength = HEADER_SIZE + paramSize;
  if (buf.length < frameLength) return { status: 'incomplete' };
  const param = buf.subarray(HEADER_SIZE, frameLength);
  const request = decodeRequest(cmd, param);
  if ('error' in request) return { status: 'invalid', error: request.error };
  return { status: 'ok', request, frameLength };
}

function decodeRequest(cmd: number, param: Uint8Array): ControlRequest | { error: AppError } {
  switch (cmd) {
    case Command.connect: {
      if (param.length === 0) return { kind: 'connect' };
      const name = decodeString(param, 'server name');
      if (typeof name !== 'string') return name;
      // An empty name is what `-s ""` sends: BUTT treats it as "no name".
      return name === '' ? { kind: 'connect' } : { kind: 'connect', serverName: name };
    }
    case Command.setSong: {
      const title = decodeString(param, 'song');
      return typeof title === 'string' ? { kind: 'set-song', title } : title;
    }
    case Command.disconnect:
      return { kind: 'disconnect' };
    case Command.startRecording:
      return { kind: 'start-recording' };
    case Command.stopRecording:
      return { kind: 'stop-recording' };
    case Command.status:
      return { kind: 'status' };
    case Command.splitRecording:
      return { kind: 'split-recording' };
    case Command.quit:
      return { kind: 'quit' };
    default: {
      const threshold = THRESHOLD_BY_CMD[cmd]!;
      if (param.length !== 4) return { error: appError('CONTROL_BAD_FRAME', `threshold needs 4 bytes, got ${param.length}`) };
      const seconds = decodeThreshold(param);
      if (seconds === undefined) return { error: appError('CONTROL_BAD_FRAME', 'threshold is not a number of seconds from 0 to 86400') };
      return { kind: 'set-threshold', threshold, seconds };
    }
  }
}

/**
 * A NUL-terminated UTF-8 string. One exception to "must end in NUL": BUTT's client cuts a
 * long song to exactly 1000 bytes and sends no NUL (and maybe half a UTF-8 character); its
 * server accepts that, so we do too, dropping the broken tail.
 */
function decodeString(param: Uint8Array, what: string): string | { error: AppError } {
  let end = param.indexOf(0);
  if (end < 0) {
    if (param.length !== MAX_PARAM_SIZE) return { error: appError('CONTROL_BAD_FRAME', `${what} is not NUL-terminated`) };
    end = completeUtf8Length(param);
  }
  try {
    return utf8.decode(param.subarray(0, end));
  } catch {
    return { error: appError('CONTROL_BAD_FRAME', `${what} is not valid UTF-8`) };
  }
}

/** Length of `bytes` without a trailing, incomplete UTF-8 sequence. */
function completeUtf8Length(bytes: Uint8Array): number {
  let start = bytes.length;
  // Walk back over at most 3 continuation bytes to the lead byte of the last character.
  for (let back = 1; back <= 4 && bytes.length - back >= 0; back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    start = bytes.length - back;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back >= need ? bytes.length : start;
  }
  return bytes.length;
}

/**
 * Threshold seconds from 4 bytes: int32 (BUTT <= 1.42) when the value is 0..86400, else
 * float32 (BUTT >= 1.43). Float 0.0 and int 0 are the same bytes (turns automation off); a
 * float's bit pattern only reads as 1..86400 for tiny denormals no client sends.
 */
export function decodeThreshold(param: Uint8Array): number | undefined {
  const view = new DataView(param.buffer, param.byteOffset, 4);
  const asInt = view.getInt32(0, true);
  if (asInt >= 0 && asInt <= MAX_THRESHOLD_SECONDS) return asInt;
  const asFloat = view.getFloat32(0, true);
  if (!Number.isFinite(asFloat) || asFloat < 0 || asFloat > MAX_THRESHOLD_SECONDS) return undefined;
  return asFloat;
}

export interface EncodeOptions {
  /** int32 is what BUTT <= 1.42 (and Debian's 0.1.37) reads; float32 what BUTT >= 1.43 reads. */
  thresholdEncoding?: 'int32' | 'float32';
}

/** One request frame, padding zeroed. Strings are NUL-terminated and cut to 1000 bytes. */
export function encodeRequest(request: ControlRequest, options: EncodeOptions = {}): Buffer {
  let cmd: number;
  let param: Buffer = Buffer.alloc(0);
  switch (request.kind) {
    case 'connect':
      cmd = Command.connect;
      if (request.serverName !== undefined) param = cString(request.serverName);
      break;
    case 'set-song':
      cmd = Command.setSong;
      param = cString(request.title);
      break;
    case 'set-threshold': {
      cmd = CMD_BY_THRESHOLD[request.threshold];
      param = Buffer.alloc(4);
      const encoding = options.thresholdEncoding ?? (Number.isInteger(request.seconds) ? 'int32' : 'float32');
      if (encoding === 'int32') param.writeInt32LE(Math.round(request.seconds), 0);
      else param.writeFloatLE(request.seconds, 0);
      break;
    }
    default:
      cmd = KIND_TO_CMD[request.kind];
  }
  const frame = Buffer.alloc(HEADER_SIZE + param.length);
  frame.writeUInt32LE(cmd, 0);
  frame.writeUInt32LE(param.length, 4);
  param.copy(frame, HEADER_SIZE);
  return frame;
}

const KIND_TO_CMD: Record<'disconnect' | 'start-recording' | 'stop-recording' | 'status' | 'split-recording' | 'quit', number> = {
  disconnect: Command.disconnect,
  'start-recording': Command.startRecording,
  'stop-recording': Command.stopRecording,
  status: Command.status,
  'split-recording': Command.splitRecording,
  quit: Command.quit,
};

function cString(text: string, maxBytes = MAX_PARAM_SIZE - 1): Buffer {
  const bytes = truncateUtf8(text, maxBytes);
  return Buffer.concat([bytes, Buffer.alloc(1)]);
}

/** UTF-8 bytes of `text` without NULs, cut on a character boundary to at most `maxBytes`. */
export function truncateUtf8(text: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text.replace(/\0/g, ''), 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

export const ACK: Buffer = Buffer.alloc(4);

export function rateLimitedReply(): Buffer {
  const reply = Buffer.alloc(4);
  reply.writeInt32LE(RATE_LIMITED_CODE, 0);
  return reply;
}

const BIT = { connected: 0, connecting: 1, recording: 2, signal: 3, silence: 4, extended: 31 } as const;

/** The version-3 status packet: 34 fixed bytes, then song and record path with their NULs. */
export function encodeStatus(status: StatusV3): Buffer {
  const song = Buffer.concat([truncateUtf8(status.song, MAX_SONG_BYTES), Buffer.alloc(1)]);
  const path = Buffer.concat([truncateUtf8(status.recordPath, MAX_PATH_BYTES), Buffer.alloc(1)]);
  const fixed = Buffer.alloc(STATUS_FIXED_SIZE);
  const bits =
    (1 << BIT.extended) |
    (Number(status.connected) << BIT.connected) |
    (Number(status.connecting) << BIT.connecting) |
    (Number(status.recording) << BIT.recording) |
    (Number(status.signal) << BIT.signal) |
    (Number(status.silence) << BIT.silence);
  fixed.writeUInt32LE(bits >>> 0, 0);
  fixed.writeUInt16LE(STATUS_VERSION, 4);
  fixed.writeInt16LE(decibelsX10(status.volumeLeftDb), 6);
  fixed.writeInt16LE(decibelsX10(status.volumeRightDb), 8);
  fixed.writeUInt32LE(u32(status.streamSeconds), 10);
  fixed.writeUInt32LE(u32(status.streamKBytes), 14);
  fixed.writeUInt32LE(u32(status.recordSeconds), 18);
  fixed.writeUInt32LE(u32(status.recordKBytes), 22);
  fixed.writeUInt16LE(song.length, 26);
  fixed.writeUInt16LE(path.length, 28);
  fixed.writeInt32LE(Number.isInteger(status.listeners) && status.listeners >= 0 ? Math.min(status.listeners, 0x7fffffff) : -1, 30);
  return Buffer.concat([fixed, song, path]);
}

function decibelsX10(db: number): number {
  if (!Number.isFinite(db)) return db > 0 ? 32767 : -900;
  return Math.max(-900, Math.min(32767, Math.round(db * 10)));
}

function u32(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  return Math.min(0xffffffff, Math.floor(value));
}

export type StatusResult =
  | { status: 'incomplete' }
  | { status: 'ok'; value: StatusV3; length: number }
  /** A server older than status version 1.x answers only the bit register. */
  | { status: 'legacy'; bits: number }
  | { status: 'version-mismatch'; version: number }
  /** A 4-byte int instead of a status packet (BUTT's UDP rate-limit answer, -10). */
  | { status: 'code'; code: number };

/** Reads a status reply. Strings that are not valid UTF-8 are decoded with replacement. */
export function decodeStatus(buf: Uint8Array, complete = false): StatusResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4) return { status: 'incomplete' };
  // A whole UDP datagram shorter than a status packet is an answer code (BUTT's rule).
  if (complete && buf.length < STATUS_FIXED_SIZE) return { status: 'code', code: view.getInt32(0, true) };
  const bits = view.getUint32(0, true);
  if ((bits & (1 << BIT.extended)) === 0) return { status: 'legacy', bits };
  if (buf.length < 6) return { status: 'incomplete' };
  const version = view.getUint16(4, true);
  if (version !== STATUS_VERSION) return { status: 'version-mismatch', version };
  if (buf.length < STATUS_FIXED_SIZE) return { status: 'incomplete' };
  const songLen = view.getUint16(26, true);
  const pathLen = view.getUint16(28, true);
  const length = STATUS_FIXED_SIZE + songLen + pathLen;
  if (buf.length < length) return { status: 'incomplete' };
  const text = (from: number, len: number): string => {
    const bytes = buf.subarray(from, from + len);
    const nul = bytes.indexOf(0);
    return Buffer.from(nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('utf8');
  };
  return {
    status: 'ok',
    length,
    value: {
      connected: (bits & (1 << BIT.connected)) !== 0,
      connecting: (bits & (1 << BIT.connecting)) !== 0,
      recording: (bits & (1 << BIT.recording)) !== 0,
      signal: (bits & (1 << BIT.signal)) !== 0,
      silence: (bits & (1 << BIT.silence)) !== 0,
      volumeLeftDb: view.getInt16(6, true) / 10,
      volumeRightDb: view.getInt16(8, true) / 10,
      streamSeconds: view.getUint32(10, true),
      streamKBytes: view.getUint32(14, true),
      recordSeconds: view.getUint32(18, true),
      recordKBytes: view.getUint32(22, true),
      song: text(STATUS_FIXED_SIZE, songLen),
      recordPath: text(STATUS_FIXED_SIZE + songLen, pathLen),
      listeners: view.getInt32(30, true),
    },
  };
}

/** The first five lines `butt -S` prints; old servers send only these bits. */
export function formatStatusBits(bits: number): string {
  const bit = (n: number): number => ((bits >>> n) & 1);
  return (
    `connected: ${bit(BIT.connected)}\nconnecting: ${bit(BIT.connecting)}\nrecording: ${bit(BIT.recording)}\n` +
    `signal present: ${bit(BIT.signal)}\nsignal absent: ${bit(BIT.silence)}\n`
  );
}

/** Exactly what BUTT's client prints for a version-3 status (its printf formats). */
export function formatStatus(status: StatusV3): string {
  const bits =
    Number(status.connected) | (Number(status.connecting) << 1) | (Number(status.recording) << 2) | (Number(status.signal) << 3) | (Number(status.silence) << 4);
  return (
    formatStatusBits(bits) +
    `stream seconds: ${status.streamSeconds}\n` +
    `stream kBytes: ${status.streamKBytes}\n` +
    `record seconds: ${status.recordSeconds}\n` +
    `record kBytes: ${status.recordKBytes}\n` +
    `volume left: ${status.volumeLeftDb.toFixed(1)}\n` +
    `volume right: ${status.volumeRightDb.toFixed(1)}\n` +
    `song: ${status.song}\n` +
    `record path: ${status.recordPath}\n` +
    `listeners: ${status.listeners}\n`
  );
}
