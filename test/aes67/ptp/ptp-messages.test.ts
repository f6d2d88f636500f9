/**
 * PTPv2 codec against packets captured from a real ptp4l grandmaster (fixtures/ptp4l-packets.json)
 * and against hand-made byte vectors for the edge cases.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Flags,
  clockIdentityForSdp,
  clockIdentityFromMac,
  correctionNs,
  encodeDelayReq,
  parsePtpMessage,
  timestampNs,
  type PtpMessage,
} from '../../../main/engine/aes67/ptp/ptp-messages';

const fixtures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'ptp4l-packets.json'), 'utf8')) as {
  packets: Record<string, { capturedAtEpoch: string; hex: string; udpDstPort: number }>;
};
const bytes = (name: string): Uint8Array => Buffer.from(fixtures.packets[name]!.hex, 'hex');
const capturedNs = (name: string): bigint => {
  const [s, frac] = fixtures.packets[name]!.capturedAtEpoch.split('.');
  return BigInt(s!) * 1_000_000_000n + BigInt(frac!.padEnd(9, '0').slice(0, 9));
};
function parse(buf: Uint8Array): PtpMessage {
  const result = parsePtpMessage(buf);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const GM = '32ff53fffea11692';

describe('PTPv2 codec on ptp4l packets', () => {
  it('Announce: the dataset BMCA compares, ARB timescale (no PTP_TIMESCALE flag), UTC offset 37', () => {
    const m = parse(bytes('announce'));
    expect(m.type).toBe('announce');
    if (m.type !== 'announce') return;
    expect(m.header).toMatchObject({ messageType: 0xb, versionPtp: 2, messageLength: 64, domainNumber: 0, controlField: 5, logMessageInterval: 1 });
    expect(m.header.sourcePortIdentity).toEqual({ clockIdentity: GM, portNumber: 1 });
    expect(m.header.flags & Flags.PTP_TIMESCALE).toBe(0);
    expect(m.body).toMatchObject({
      currentUtcOffset: 37,
      priority1: 100,
      clockClass: 248,
      clockAccuracy: 0xfe,
      offsetScaledLogVariance: 0xffff,
      priority2: 128,
      grandmasterIdentity: GM,
      stepsRemoved: 0,
      timeSource: 0xa0,
    });
  });

  it('two-step Sync + Follow_Up: the precise origin is the capture time within 1 ms (software timestamps, same kernel clock)', () => {
    const s = parse(bytes('sync'));
    const f = parse(bytes('followUp'));
    expect(s.type).toBe('sync');
    expect(f.type).toBe('follow-up');
    if (s.type !== 'sync' || f.type !== 'follow-up') return;
    expect(s.header.flags & Flags.TWO_STEP).toBe(Flags.TWO_STEP);
    expect(s.header.sequenceId).toBe(f.header.sequenceId);
    expect(s.header.logMessageInterval).toBe(-3);
    expect(timestampNs(s.originTimestamp)).toBe(0n);
    const diff = capturedNs('sync') - timestampNs(f.preciseOriginTimestamp);
    expect(diff).toBeGreaterThanOrEqual(0n);
    expect(diff).toBeLessThan(1_000_000n);
  });

  it('Delay_Req: our encoder reproduces the captured request byte for byte', () => {
    const m = parse(bytes('delayReq'));
    expect(m.type).toBe('delay-req');
    const again = encodeDelayReq({ domainNumber: 0, sourcePortIdentity: m.header.sourcePortIdentity, sequenceId: m.header.sequenceId });
    expect(Buffer.from(again).toString('hex')).toBe(fixtures.packets.delayReq!.hex);
    expect(again.length).toBe(44);
    expect(m.header.controlField).toBe(1);
    expect(m.header.logMessageInterval).toBe(0x7f);
  });

  it('Delay_Resp: matches the request (port identity, sequence), carries logMinDelayReqInterval, t4 near capture', () => {
    const req = parse(bytes('delayReq'));
    const m = parse(bytes('delayResp'));
    expect(m.type).toBe('delay-resp');
    if (m.type !== 'delay-resp') return;
    expect(m.requestingPortIdentity).toEqual(req.header.sourcePortIdentity);
    expect(m.header.sequenceId).toBe(req.header.sequenceId);
    expect(m.header.logMessageInterval).toBe(0);
    const diff = capturedNs('delayResp') - timestampNs(m.receiveTimestamp);
    expect(diff).toBeGreaterThanOrEqual(0n);
    expect(diff).toBeLessThan(1_000_000n);
  });
});

describe('PTPv2 codec edge cases', () => {
  const sync = bytes('sync');

  it('rejects short, truncated and non-v2 messages with a reason', () => {
    expect(parsePtpMessage(sync.subarray(0, 20))).toMatchObject({ ok: false });
    expect(parsePtpMessage(sync.subarray(0, 40))).toMatchObject({ ok: false, reason: expect.stringMatching(/messageLength/) });
    const v1 = Uint8Array.from(sync);
    v1[1] = 1;
    expect(parsePtpMessage(v1)).toMatchObject({ ok: false, reason: expect.stringMatching(/version/) });
    const shortAnnounce = Uint8Array.from(bytes('announce')).subarray(0, 50);
    new DataView(shortAnnounce.buffer, shortAnnounce.byteOffset).setUint16(2, 50);
    expect(parsePtpMessage(shortAnnounce)).toMatchObject({ ok: false, reason: expect.stringMatching(/needs 64/) });
  });

  it('parses but sets aside peer-delay, signaling and management messages', () => {
    for (const type of [0x2, 0x3, 0xa, 0xc, 0xd]) {
      const buf = Uint8Array.from(sync);
      buf[0] = type;
      const m = parse(buf);
      expect(m.type).toBe('other');
      expect(m.header.messageType).toBe(type);
    }
  });

  it('reads 48-bit seconds and a signed correctionField (2^-16 ns, rounded)', () => {
    const buf = Uint8Array.from(bytes('followUp'));
    const view = new DataView(buf.buffer);
    view.setUint16(34, 0x0001); // seconds = 2^32 + low word
    view.setUint32(36, 5);
    view.setUint32(40, 999_999_999);
    view.setBigInt64(8, -(1500n << 16n) - 0x4000n); // -1500.25 ns
    const m = parse(buf);
    if (m.type !== 'follow-up') throw new Error('not a follow-up');
    expect(m.preciseOriginTimestamp).toEqual({ seconds: (1n << 32n) + 5n, nanoseconds: 999_999_999 });
    expect(correctionNs(m.header)).toBe(-1500n);
    view.setBigInt64(8, (7n << 16n) + 0x8000n); // 7.5 ns rounds up
    expect(correctionNs(parse(buf).header)).toBe(8n);
  });

  it('clock identity from a MAC (EUI-64 with FF-FE) and in the SDP form', () => {
    expect(clockIdentityFromMac('00:1d:c1:12:34:56')).toBe('001dc1fffe123456');
    expect(clockIdentityForSdp('001dc1fffe123456')).toBe('00-1D-C1-FF-FE-12-34-56');
    expect(() => clockIdentityFromMac('00:1d:c1')).toThrow();
  });
});
