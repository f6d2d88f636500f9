/**
 * linuxptp management messages (what `pmc` speaks over ptp4l's UNIX socket): IEEE 1588
 * management (messageType 0xD) with a MANAGEMENT TLV; GET requests, RESPONSE parsing for
 * TIME_STATUS_NP (linuxptp's own: offset from master, grandmaster identity) and
 * TIME_PROPERTIES_DATA_SET (UTC offset, PTP timescale flag).
 *
 * Layout: header (34) | targetPortIdentity (10) | startingBoundaryHops | boundaryHops |
 * actionField | reserved | TLV: type (2) length (2) managementId (2) data.
 */
import { MessageType, parsePtpMessage, writePortIdentity, type PortIdentity } from './ptp-messages';

export const ManagementId = {
  TIME_PROPERTIES_DATA_SET: 0x2003,
  TIME_STATUS_NP: 0xc000,
} as const;

const TLV_MANAGEMENT = 0x0001;
const TLV_MANAGEMENT_ERROR_STATUS = 0x0002;
const ACTION_GET = 0;
const ACTION_RESPONSE = 2;
const MANAGEMENT_HEADER = 48;

export function encodeManagementGet(fields: { domainNumber: number; sourcePortIdentity: PortIdentity; sequenceId: number; managementId: number }): Uint8Array {
  const length = MANAGEMENT_HEADER + 6;
  const buf = new Uint8Array(length);
  const view = new DataView(buf.buffer);
  view.setUint8(0, MessageType.MANAGEMENT);
  view.setUint8(1, 2);
  view.setUint16(2, length);
  view.setUint8(4, fields.domainNumber);
  writePortIdentity(buf, view, 20, fields.sourcePortIdentity);
  view.setUint16(30, fields.sequenceId & 0xffff);
  view.setUint8(32, 4); // controlField: management
  view.setInt8(33, 0x7f);
  buf.fill(0xff, 34, 44); // target: all clocks, all ports
  view.setUint8(44, 0); // startingBoundaryHops: the local ptp4l only
  view.setUint8(45, 0);
  view.setUint8(46, ACTION_GET);
  view.setUint16(48, TLV_MANAGEMENT);
  view.setUint16(50, 2);
  view.setUint16(52, fields.managementId);
  return buf;
}

export interface TimeStatusNp {
  /** ptp4l's clock minus the master's time, ns. */
  masterOffsetNs: bigint;
  /** ptp4l's clock at the Sync ingress, ns. */
  ingressTimeNs: bigint;
  /** (rate ratio - 1) x 2^41. */
  cumulativeScaledRateOffset: number;
  gmPresent: boolean;
  gmIdentity: string;
}

export interface TimeProperties {
  currentUtcOffset: number;
  utcOffsetValid: boolean;
  ptpTimescale: boolean;
  timeSource: number;
}

export type ManagementResponse =
  | { kind: 'time-status'; sequenceId: number; value: TimeStatusNp }
  | { kind: 'time-properties'; sequenceId: number; value: TimeProperties }
  | { kind: 'error'; sequenceId: number; managementId: number; errorId: number }
  | { kind: 'other'; sequenceId: number; managementId: number };

export function parseManagementResponse(buf: Uint8Array): ManagementResponse | { kind: 'invalid'; reason: string } {
  const parsed = parsePtpMessage(buf);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const { header } = parsed.message;
  if (header.messageType !== MessageType.MANAGEMENT) return { kind: 'invalid', reason: `message type ${header.messageType}, not management` };
  if (buf.length < MANAGEMENT_HEADER + 6) return { kind: 'invalid', reason: 'management message too short' };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sequenceId = header.sequenceId;
  const action = view.getUint8(46) & 0x0f;
  const tlvType = view.getUint16(48);
  const tlvLength = view.getUint16(50);
  if (tlvType === TLV_MANAGEMENT_ERROR_STATUS) {
    return { kind: 'error', sequenceId, errorId: view.getUint16(52), managementId: view.getUint16(54) };
  }
  if (tlvType !== TLV_MANAGEMENT || action !== ACTION_RESPONSE) return { kind: 'invalid', reason: `TLV ${tlvType} action ${action}` };
  const managementId = view.getUint16(52);
  const data = MANAGEMENT_HEADER + 6;
  const dataLength = tlvLength - 2;
  if (buf.length < data + dataLength) return { kind: 'invalid', reason: 'TLV longer than the message' };
  if (managementId === ManagementId.TIME_STATUS_NP && dataLength >= 50) {
    let gm = '';
    for (let i = data + 42; i < data + 50; i++) gm += buf[i]!.toString(16).padStart(2, '0');
    return {
      kind: 'time-status',
      sequenceId,
      value: {
        masterOffsetNs: view.getBigInt64(data),
        ingressTimeNs: view.getBigInt64(data + 8),
        cumulativeScaledRateOffset: view.getInt32(data + 16),
        // +24 gmTimeBaseIndicator (2), +26 lastGmPhaseChange (ScaledNs, 12), +38 gmPresent
        gmPresent: view.getInt32(data + 38) !== 0,
        gmIdentity: gm,
      },
    };
  }
  if (managementId === ManagementId.TIME_PROPERTIES_DATA_SET && dataLength >= 4) {
    const flags = view.getUint8(data + 2);
    return {
      kind: 'time-properties',
      sequenceId,
      value: {
        currentUtcOffset: view.getInt16(data),
        utcOffsetValid: (flags & 0x04) !== 0,
        ptpTimescale: (flags & 0x08) !== 0,
        timeSource: view.getUint8(data + 3),
      },
    };
  }
  return { kind: 'other', sequenceId, managementId };
}
