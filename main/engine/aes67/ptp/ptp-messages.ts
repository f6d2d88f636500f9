/**
 * PTPv2 (IEEE 1588-2008) message codec: the common header and the bodies a slave-only
 * follower needs (Announce, Sync, Follow_Up, Delay_Req, Delay_Resp). Other message types
 * (peer delay, signaling, management) are parsed as far as the header and reported as
 * `other`, so a caller can ignore them without treating them as garbage.
 *
 * Layout (all big-endian): header 34 bytes, then the body. Timestamps are 48-bit seconds +
 * 32-bit nanoseconds; correctionField is nanoseconds x 2^16 (signed 64-bit).
 */

export const PTP_EVENT_PORT = 319;
export const PTP_GENERAL_PORT = 320;
export const PTP_PRIMARY_GROUP = '224.0.1.129';
export const HEADER_LENGTH = 34;

export const MessageType = {
  SYNC: 0x0,
  DELAY_REQ: 0x1,
  PDELAY_REQ: 0x2,
  PDELAY_RESP: 0x3,
  FOLLOW_UP: 0x8,
  DELAY_RESP: 0x9,
  PDELAY_RESP_FOLLOW_UP: 0xa,
  ANNOUNCE: 0xb,
  SIGNALING: 0xc,
  MANAGEMENT: 0xd,
} as const;

/** Header flagField bits (octet 0 is the high byte of the 16-bit value). */
export const Flags = {
  LEAP_61: 0x0001,
  LEAP_59: 0x0002,
  UTC_OFFSET_VALID: 0x0004,
  PTP_TIMESCALE: 0x0008,
  TIME_TRACEABLE: 0x0010,
  FREQUENCY_TRACEABLE: 0x0020,
  ALTERNATE_MASTER: 0x0100,
  TWO_STEP: 0x0200,
  UNICAST: 0x0400,
} as const;

/** logMessageInterval value meaning "not specified". */
export const LOG_INTERVAL_UNSPECIFIED = 0x7f;

export interface PortIdentity {
  /** 8 bytes as 16 lower-case hex digits. */
  clockIdentity: string;
  portNumber: number;
}

export interface PtpTimestamp {
  seconds: bigint;
  nanoseconds: number;
}

export interface PtpHeader {
  /** transportSpecific / majorSdoId nibble. */
  transportSpecific: number;
  messageType: number;
  versionPtp: number;
  messageLength: number;
  domainNumber: number;
  flags: number;
  /** correctionField in units of 2^-16 ns. */
  correction: bigint;
  sourcePortIdentity: PortIdentity;
  sequenceId: number;
  controlField: number;
  logMessageInterval: number;
}

export interface AnnounceBody {
  originTimestamp: PtpTimestamp;
  currentUtcOffset: number;
  priority1: number;
  clockClass: number;
  clockAccuracy: number;
  offsetScaledLogVariance: number;
  priority2: number;
  grandmasterIdentity: string;
  stepsRemoved: number;
  timeSource: number;
}

export type PtpMessage =
  | { type: 'sync'; header: PtpHeader; originTimestamp: PtpTimestamp }
  | { type: 'delay-req'; header: PtpHeader; originTimestamp: PtpTimestamp }
  | { type: 'follow-up'; header: PtpHeader; preciseOriginTimestamp: PtpTimestamp }
  | { type: 'delay-resp'; header: PtpHeader; receiveTimestamp: PtpTimestamp; requestingPortIdentity: PortIdentity }
  | { type: 'announce'; header: PtpHeader; body: AnnounceBody }
  | { type: 'other'; header: PtpHeader };

export type ParseResult = { ok: true; message: PtpMessage } | { ok: false; reason: string };

const BODY_LENGTH: Record<number, number> = {
  [MessageType.SYNC]: 44,
  [MessageType.DELAY_REQ]: 44,
  [MessageType.FOLLOW_UP]: 44,
  [MessageType.DELAY_RESP]: 54,
  [MessageType.ANNOUNCE]: 64,
};

export function parsePtpMessage(buf: Uint8Array): ParseResult {
  if (buf.length < HEADER_LENGTH) return { ok: false, reason: `too short for a PTP header (${buf.length} bytes)` };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = readHeader(view, buf);
  if (header.versionPtp !== 2) return { ok: false, reason: `not PTP version 2 (version ${header.versionPtp})` };
  if (header.messageLength > buf.length) {
    return { ok: false, reason: `messageLength ${header.messageLength} exceeds the ${buf.length} bytes received` };
  }
  const needed = BODY_LENGTH[header.messageType];
  if (needed === undefined) return { ok: true, message: { type: 'other', header } };
  if (buf.length < needed) return { ok: false, reason: `message type ${header.messageType} needs ${needed} bytes, got ${buf.length}` };
  switch (header.messageType) {
    case MessageType.SYNC:
      return { ok: true, message: { type: 'sync', header, originTimestamp: readTimestamp(view, 34) } };
    case MessageType.DELAY_REQ:
      return { ok: true, message: { type: 'delay-req', header, originTimestamp: readTimestamp(view, 34) } };
    case MessageType.FOLLOW_UP:
      return { ok: true, message: { type: 'follow-up', header, preciseOriginTimestamp: readTimestamp(view, 34) } };
    case MessageType.DELAY_RESP:
      return {
        ok: true,
        message: { type: 'delay-resp', header, receiveTimestamp: readTimestamp(view, 34), requestingPortIdentity: readPortIdentity(view, buf, 44) },
      };
    default:
      return {
        ok: true,
        message: {
          type: 'announce',
          header,
          body: {
            originTimestamp: readTimestamp(view, 34),
            currentUtcOffset: view.getInt16(44),
            priority1: view.getUint8(47),
            clockClass: view.getUint8(48),
            clockAccuracy: view.getUint8(49),
            offsetScaledLogVariance: view.getUint16(50),
            priority2: view.getUint8(52),
            grandmasterIdentity: hex(buf, 53, 8),
            stepsRemoved: view.getUint16(61),
            timeSource: view.getUint8(63),
          },
        },
      };
  }
}

function readHeader(view: DataView, buf: Uint8Array): PtpHeader {
  const b0 = view.getUint8(0);
  const logInterval = view.getInt8(33);
  return {
    transportSpecific: b0 >> 4,
    messageType: b0 & 0x0f,
    versionPtp: view.getUint8(1) & 0x0f,
    messageLength: view.getUint16(2),
    domainNumber: view.getUint8(4),
    flags: view.getUint16(6),
    correction: view.getBigInt64(8),
    sourcePortIdentity: readPortIdentity(view, buf, 20),
    sequenceId: view.getUint16(30),
    controlField: view.getUint8(32),
    // 0x7f is "unspecified"; read as signed it is 127 either way.
    logMessageInterval: logInterval,
  };
}

function readTimestamp(view: DataView, at: number): PtpTimestamp {
  const seconds = (BigInt(view.getUint16(at)) << 32n) | BigInt(view.getUint32(at + 2));
  return { seconds, nanoseconds: view.getUint32(at + 6) };
}

function readPortIdentity(view: DataView, buf: Uint8Array, at: number): PortIdentity {
  return { clockIdentity: hex(buf, at, 8), portNumber: view.getUint16(at + 8) };
}

function hex(buf: Uint8Array, at: number, length: number): string {
  let out = '';
  for (let i = at; i < at + length; i++) out += (buf[i] ?? 0).toString(16).padStart(2, '0');
  return out;
}

/** A PTP timestamp in nanoseconds. */
export function timestampNs(ts: PtpTimestamp): bigint {
  return ts.seconds * 1_000_000_000n + BigInt(ts.nanoseconds);
}

/** correctionField (2^-16 ns) rounded to whole nanoseconds. */
export function correctionNs(header: PtpHeader): bigint {
  // Arithmetic shift floors; add half an LSB for round-to-nearest.
  return (header.correction + 0x8000n) >> 16n;
}

export function samePort(a: PortIdentity, b: PortIdentity): boolean {
  return a.clockIdentity === b.clockIdentity && a.portNumber === b.portNumber;
}

export function portIdentityText(p: PortIdentity): string {
  return `${p.clockIdentity}-${p.portNumber}`;
}

/** A clock identity as AES67's SDP writes it: `00-1D-C1-FF-FE-12-34-56`. */
export function clockIdentityForSdp(identity: string): string {
  return (identity.toUpperCase().match(/../g) ?? []).join('-');
}

/** EUI-64 clock identity from a 48-bit MAC (IEEE 1588-2008 7.5.2.2.2: insert FF-FE). */
export function clockIdentityFromMac(mac: string): string {
  const bytes = mac.split(/[:-]/).map((part) => part.padStart(2, '0').toLowerCase());
  if (bytes.length !== 6 || bytes.some((b) => !/^[0-9a-f]{2}$/.test(b))) throw new Error(`not a MAC address: ${mac}`);
  return [...bytes.slice(0, 3), 'ff', 'fe', ...bytes.slice(3)].join('');
}

export interface DelayReqFields {
  domainNumber: number;
  sourcePortIdentity: PortIdentity;
  sequenceId: number;
}

/**
 * A Delay_Req (44 bytes). originTimestamp is left zero: the departure time that matters is
 * the one the follower measures itself (t3); 1588 allows an estimate of zero.
 */
export function encodeDelayReq(fields: DelayReqFields): Uint8Array {
  const buf = new Uint8Array(44);
  const view = new DataView(buf.buffer);
  view.setUint8(0, MessageType.DELAY_REQ);
  view.setUint8(1, 2);
  view.setUint16(2, 44);
  view.setUint8(4, fields.domainNumber);
  view.setUint16(6, 0);
  view.setBigInt64(8, 0n);
  writePortIdentity(buf, view, 20, fields.sourcePortIdentity);
  view.setUint16(30, fields.sequenceId & 0xffff);
  view.setUint8(32, 1); // controlField: Delay_Req
  view.setInt8(33, LOG_INTERVAL_UNSPECIFIED);
  return buf;
}

export function writePortIdentity(buf: Uint8Array, view: DataView, at: number, port: PortIdentity): void {
  if (!/^[0-9a-f]{16}$/.test(port.clockIdentity)) throw new Error(`bad clock identity ${port.clockIdentity}`);
  for (let i = 0; i < 8; i++) buf[at + i] = parseInt(port.clockIdentity.slice(i * 2, i * 2 + 2), 16);
  view.setUint16(at + 8, port.portNumber);
}
