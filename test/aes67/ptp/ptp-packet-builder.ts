/**
 * Builds master-side PTP messages (Announce, Sync, Follow_Up, Delay_Resp) for driving the
 * follower in unit tests. The production code never sends these (slave only), so the
 * encoder lives here.
 */
import { Flags, MessageType, writePortIdentity, type PortIdentity } from '../../../main/engine/aes67/ptp/ptp-messages';

export interface HeaderFields {
  type: number;
  length: number;
  domain?: number;
  flags?: number;
  correctionNs?: bigint;
  source: PortIdentity;
  sequenceId: number;
  control: number;
  logInterval: number;
}

function header(f: HeaderFields): { buf: Uint8Array; view: DataView } {
  const buf = new Uint8Array(f.length);
  const view = new DataView(buf.buffer);
  view.setUint8(0, f.type);
  view.setUint8(1, 2);
  view.setUint16(2, f.length);
  view.setUint8(4, f.domain ?? 0);
  view.setUint16(6, f.flags ?? 0);
  view.setBigInt64(8, (f.correctionNs ?? 0n) << 16n);
  writePortIdentity(buf, view, 20, f.source);
  view.setUint16(30, f.sequenceId);
  view.setUint8(32, f.control);
  view.setInt8(33, f.logInterval);
  return { buf, view };
}

function writeTimestamp(view: DataView, at: number, ns: bigint): void {
  const seconds = ns / 1_000_000_000n;
  view.setUint16(at, Number(seconds >> 32n));
  view.setUint32(at + 2, Number(seconds & 0xffffffffn));
  view.setUint32(at + 6, Number(ns % 1_000_000_000n));
}

export interface AnnounceFields {
  source: PortIdentity;
  sequenceId: number;
  gm: string;
  priority1?: number;
  clockClass?: number;
  accuracy?: number;
  variance?: number;
  priority2?: number;
  stepsRemoved?: number;
  logInterval?: number;
  domain?: number;
  flags?: number;
}

export function announce(f: AnnounceFields): Uint8Array {
  const { buf, view } = header({ type: MessageType.ANNOUNCE, length: 64, source: f.source, sequenceId: f.sequenceId, control: 5, logInterval: f.logInterval ?? 1, domain: f.domain, flags: f.flags });
  view.setInt16(44, 37);
  view.setUint8(47, f.priority1 ?? 128);
  view.setUint8(48, f.clockClass ?? 248);
  view.setUint8(49, f.accuracy ?? 0xfe);
  view.setUint16(50, f.variance ?? 0xffff);
  view.setUint8(52, f.priority2 ?? 128);
  writePortIdentity(buf, view, 53, { clockIdentity: f.gm, portNumber: 0 });
  view.setUint16(61, f.stepsRemoved ?? 0);
  view.setUint8(63, 0xa0);
  return buf;
}

export function sync(source: PortIdentity, sequenceId: number, opts: { twoStep: boolean; originNs?: bigint; correctionNs?: bigint; domain?: number }): Uint8Array {
  const { buf, view } = header({
    type: MessageType.SYNC,
    length: 44,
    source,
    sequenceId,
    control: 0,
    logInterval: -3,
    flags: opts.twoStep ? Flags.TWO_STEP : 0,
    correctionNs: opts.correctionNs,
    domain: opts.domain,
  });
  if (opts.originNs !== undefined) writeTimestamp(view, 34, opts.originNs);
  return buf;
}

export function followUp(source: PortIdentity, sequenceId: number, preciseNs: bigint, correctionNs = 0n): Uint8Array {
  const { view, buf } = header({ type: MessageType.FOLLOW_UP, length: 44, source, sequenceId, control: 2, logInterval: -3, correctionNs });
  writeTimestamp(view, 34, preciseNs);
  return buf;
}

export function delayResp(source: PortIdentity, sequenceId: number, receiveNs: bigint, requester: PortIdentity, logMinDelayReqInterval: number): Uint8Array {
  const { view, buf } = header({ type: MessageType.DELAY_RESP, length: 54, source, sequenceId, control: 3, logInterval: logMinDelayReqInterval });
  writeTimestamp(view, 34, receiveNs);
  writePortIdentity(buf, view, 44, requester);
  return buf;
}
