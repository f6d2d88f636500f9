import { describe, it, expect } from 'vitest';
import { RtpPacketWriter, parseRtpHeader, randomIdentity } from '../../main/engine/aes67/rtp';
import { buildSdp, SdpSession, type SdpDescription } from '../../main/engine/aes67/sdp';
import { encodeSap, decodeSap, sapMessageIdHash } from '../../main/engine/aes67/sap';
import { Aes67SenderSettingsSchema, defaultAes67Settings, effectiveDscp } from '../../main/engine/aes67/aes67-settings';
import { SharedAudioRing } from '../../main/engine/aes67/audio-ring';
import { RateSteer } from '../../main/engine/aes67/rate-steer';
import { ClockMappingReader, ClockMappingWriter, createClockMapping, FreeRunClock } from '../../main/engine/aes67/media-clock';
import { AdaptiveResampler } from '../../main/engine/audio/dsp/adaptive-resampler';
import { readSdpRecord, writeSdpRecord } from '../../main/engine/aes67/sdp-session-file';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('RTP packets', () => {
  it('writes L24 big-endian interleaved with marker on the first packet only', () => {
    const w = new RtpPacketWriter({ payloadType: 97, ssrc: 0xdeadbeef, firstSequence: 65535 }, 'L24', 2, 48);
    const samples = new Float32Array(96);
    samples[0] = 1; // clipped to full scale
    samples[1] = -1;
    samples[2] = 0.5;
    samples[3] = -2; // clipped
    const p0 = w.write(0, 4294967295, samples);
    expect(p0.length).toBe(12 + 48 * 2 * 3);
    expect(parseRtpHeader(p0)).toEqual({ marker: true, payloadType: 97, sequence: 65535, timestamp: 4294967295, ssrc: 0xdeadbeef });
    expect(p0[0]).toBe(0x80);
    expect([...p0.subarray(12, 24)]).toEqual([0x7f, 0xff, 0xff, 0x80, 0x00, 0x00, 0x40, 0x00, 0x00, 0x80, 0x00, 0x00]);
    const p1 = w.write(1, 47, null);
    expect(parseRtpHeader(p1)).toMatchObject({ marker: false, sequence: 0, timestamp: 47 });
    expect(p1.subarray(12).every((b) => b === 0)).toBe(true);
    expect(p0).not.toBe(p1); // a fresh buffer per packet: dgram may still hold the last one
  });

  it('writes L16 and refuses static payload types and more than 8 channels', () => {
    const w = new RtpPacketWriter({ payloadType: 96, ssrc: 1, firstSequence: 0 }, 'L16', 1, 6);
    const p = w.write(3, 18, new Float32Array([0.5, -0.5, 0, 0, 0, 0]));
    expect(p.length).toBe(12 + 12);
    expect(p.readInt16BE(12)).toBe(16384);
    expect(p.readInt16BE(14)).toBe(-16384);
    expect(() => new RtpPacketWriter({ payloadType: 11, ssrc: 1, firstSequence: 0 }, 'L16', 1, 48)).toThrow(/dynamic/);
    expect(() => new RtpPacketWriter({ payloadType: 97, ssrc: 1, firstSequence: 0 }, 'L24', 9, 48)).toThrow(/1..8/);
  });

  it('draws SSRC and first sequence at random', () => {
    const ids = Array.from({ length: 8 }, () => randomIdentity(97));
    expect(new Set(ids.map((i) => i.ssrc)).size).toBeGreaterThan(6);
    expect(ids.every((i) => i.firstSequence >= 0 && i.firstSequence < 65536)).toBe(true);
  });
});

const description: SdpDescription = {
  streamName: 'Studio A',
  sourceAddress: '10.67.0.2',
  group: '239.69.1.10',
  port: 5004,
  ttl: 32,
  payloadType: 97,
  encoding: 'L24',
  channels: 2,
  packetTimeMs: 1,
  sourceFilter: true,
  framecount: true,
  grandmasterId: '00-1d-c1-ff-fe-12-34-56',
  ptpDomain: 0,
  mediaClockOffset: 0,
};

describe('SDP', () => {
  it('follows the reference template line by line', () => {
    expect(buildSdp(description, '1234', 7).split('\r\n')).toEqual([
      'v=0',
      'o=- 1234 7 IN IP4 10.67.0.2',
      's=Studio A',
      'c=IN IP4 239.69.1.10/32',
      't=0 0',
      'm=audio 5004 RTP/AVP 97',
      'i=2 channels: Left, Right',
      'a=recvonly',
      'a=rtpmap:97 L24/48000/2',
      'a=source-filter: incl IN IP4 239.69.1.10 10.67.0.2',
      'a=ptime:1',
      'a=framecount:48',
      'a=ts-refclk:ptp=IEEE1588-2008:00-1D-C1-FF-FE-12-34-56:0',
      'a=mediaclk:direct=0',
      '',
    ]);
  });

  it('says local clock when free-running, and omits optional lines', () => {
    const sdp = buildSdp({ ...description, grandmasterId: null, sourceFilter: false, framecount: false, packetTimeMs: 0.333, channels: 1, encoding: 'L16' }, '1', 1);
    expect(sdp).toContain('a=ts-refclk:local\r\n');
    expect(sdp).toContain('a=ptime:0.333\r\n');
    expect(sdp).toContain('i=1 channel: Mono\r\n');
    expect(sdp).toContain('a=rtpmap:97 L16/48000/1\r\n');
    expect(sdp).not.toContain('source-filter');
    expect(sdp).not.toContain('framecount');
  });

  it('keeps the session id and bumps the version on every change, never on a no-op', () => {
    const versions: number[] = [];
    const session = new SdpSession(description, { sessionId: '42', version: 1, sdp: buildSdp(description, '42', 1) }, (r) => versions.push(r.version));
    expect(session.version).toBe(1);
    expect(session.update({ grandmasterId: '00-1D-C1-FF-FE-12-34-56' })).toBe(false); // same after upper-casing
    expect(session.version).toBe(1);
    expect(session.update({ grandmasterId: '00-1D-C1-FF-FE-AB-CD-EF' })).toBe(true);
    expect(session.update({ streamName: 'Studio B' })).toBe(true);
    expect(session.version).toBe(3);
    expect(session.sdp).toMatch(/^v=0\r\no=- 42 3 IN IP4 /);
    expect(session.sdp).toContain('00-1D-C1-FF-FE-AB-CD-EF:0');
    expect(versions).toEqual([1, 2, 3]); // every version sent was handed out to be persisted
  });

  it("continues a previous run's session: same id, same version when the SDP is unchanged, +1 when it changed meanwhile", () => {
    const fresh = new SdpSession(description);
    expect(fresh.version).toBe(1);
    expect(fresh.sessionId).toMatch(/^\d+$/);
    const previous = { sessionId: fresh.sessionId, version: 7, sdp: buildSdp(description, fresh.sessionId, 7) };
    const same = new SdpSession(description, previous);
    expect([same.sessionId, same.version]).toEqual([fresh.sessionId, 7]);
    const changed = new SdpSession({ ...description, ttl: 16 }, previous);
    expect([changed.sessionId, changed.version]).toEqual([fresh.sessionId, 8]);
    expect(changed.sdp).toMatch(new RegExp(`^v=0\r\no=- ${fresh.sessionId} 8 IN IP4 `));
  });

  it('keeps the session in a file: written whole, read back, a damaged file an error value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdp-session-'));
    try {
      const path = join(dir, 'aes67-sdp-session.json');
      expect(readSdpRecord(path)).toBeNull();
      const record = { sessionId: '1234', version: 3, sdp: buildSdp(description, '1234', 3) };
      expect(writeSdpRecord(path, record)).toBeNull();
      expect(readSdpRecord(path)).toEqual(record);
      expect(readdirSync(dir)).toEqual(['aes67-sdp-session.json']); // no temporary file left
      writeFileSync(path, '{"sessionId":');
      expect(readSdpRecord(path)).toEqual({ error: expect.objectContaining({ code: 'AES67_SDP_SESSION_UNREADABLE' }) });
      expect(writeSdpRecord(join(dir, 'missing', 'x.json'), record)).toMatchObject({ code: 'AES67_SDP_SESSION_UNWRITABLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SAP', () => {
  it('encodes announce and deletion headers (RFC 2974) and decodes them back', () => {
    const sdp = buildSdp(description, '1234', 1);
    const hash = sapMessageIdHash('1234', 1);
    const a = encodeSap('announce', '10.67.0.2', hash, sdp);
    expect([...a.subarray(0, 8)]).toEqual([0x20, 0, hash >> 8, hash & 0xff, 10, 67, 0, 2]);
    expect(a.subarray(8, 24).toString('latin1')).toBe('application/sdp\0');
    expect(a.subarray(24).toString()).toBe(sdp);
    const d = encodeSap('delete', '10.67.0.2', hash, sdp);
    expect(d[0]).toBe(0x24);
    expect(decodeSap(d)).toEqual({ kind: 'delete', idHash: hash, origin: '10.67.0.2', payloadType: 'application/sdp', sdp });
  });

  it('uses a non-zero message id hash that differs per version', () => {
    const hashes = Array.from({ length: 50 }, (_, v) => sapMessageIdHash('99', v + 1));
    expect(hashes.every((h) => h > 0 && h < 65536)).toBe(true);
    expect(new Set(hashes).size).toBeGreaterThan(45);
  });
});

describe('settings', () => {
  it('has the AES67 defaults and DSCP 34, or 46 in Dante mode', () => {
    const s = defaultAes67Settings();
    expect(s).toMatchObject({ address: '239.69.1.10', port: 5004, ttl: 32, payloadType: 97, encoding: 'L24', channels: 2, packetTimeMs: 1 });
    expect(effectiveDscp(s)).toBe(34);
    expect(effectiveDscp({ ...s, mode: 'dante' })).toBe(46);
    expect(effectiveDscp({ ...s, mode: 'dante', dscp: 34 })).toBe(34);
    expect(Aes67SenderSettingsSchema.safeParse({ address: '10.0.0.1' }).success).toBe(false);
    expect(Aes67SenderSettingsSchema.safeParse({ packetTimeMs: 2 }).success).toBe(false);
    expect(Aes67SenderSettingsSchema.safeParse({ payloadType: 10 }).success).toBe(false);
  });
});

describe('shared audio ring', () => {
  it('keeps frames in order across many wraps and refuses partial reads', () => {
    const ring = SharedAudioRing.create(2, 100);
    const reader = new SharedAudioRing(ring.buffer); // as the pacer thread attaches
    let next = 0;
    let expected = 0;
    const out = new Float32Array(2 * 48);
    for (let round = 0; round < 500; round++) {
      const frames = 1 + ((round * 37) % 70);
      const block = new Float32Array(frames * 2).map((_, i) => next + Math.floor(i / 2));
      const written = ring.write(block);
      next += written;
      expect(ring.fill()).toBeLessThanOrEqual(100);
      while (reader.read(out, 48)) {
        for (let i = 0; i < 48; i++) expect(out[i * 2]).toBe(expected + i);
        expected += 48;
      }
      expect(reader.fill()).toBeLessThan(48);
    }
    expect(expected).toBeGreaterThan(10_000);
    const full = SharedAudioRing.create(1, 10);
    expect(full.write(new Float32Array(25))).toBe(10);
    expect(full.discard(4)).toBe(4);
    expect(full.fill()).toBe(6);
  });
});

describe('rate steering', () => {
  // Simulated time: a capture clock off by `drift` ppm feeds 10 ms blocks through the steered
  // resampler into a ring the pacer drains at exactly 48 kHz.
  for (const drift of [-300, 150]) {
    it(`holds the ring at its target against a ${drift} ppm capture clock`, () => {
      const target = 1920;
      const steer = new RateSteer(target);
      const resampler = new AdaptiveResampler(1, 48_000, 48_000);
      let fill = target - 480;
      let minFill = Infinity;
      let maxFill = 0;
      let carry = 0;
      for (let step = 0; step < 12_000; step++) {
        // 120 s of 10 ms steps
        carry += 480 * (1 + drift * 1e-6);
        const frames = Math.floor(carry);
        carry -= frames;
        fill += resampler.process(new Float32Array(frames)).length;
        const ppm = steer.observe(fill, 0.01);
        if (ppm !== null) resampler.setRatioPpm(ppm);
        fill -= 480; // the pacer drains 10 packets
        if (step > 6000) {
          minFill = Math.min(minFill, fill);
          maxFill = Math.max(maxFill, fill);
        }
      }
      // Observed right after each push, so after the drain the fill sits one block below target.
      expect(minFill).toBeGreaterThan(target - 480 - 120);
      expect(maxFill).toBeLessThan(target - 480 + 120);
      expect(steer.currentPpm).toBeCloseTo(-drift, -2); // within 50 ppm
    });
  }
});

describe('media clock', () => {
  it('maps local to PTP time and back through shared memory', () => {
    const buffer = createClockMapping();
    new ClockMappingWriter(buffer).write({ localAnchorNs: 1_000_000_000n, ptpAnchorNs: 1_700_000_000_000_000_000n, ratePpb: 50_000 });
    const reader = new ClockMappingReader(buffer);
    const ptp = reader.ptpAt(2_000_000_000n);
    expect(ptp).toBe(1_700_000_001_000_050_000n); // 1 s local = 1 s + 50 µs at +50 ppm
    expect(reader.localAt(ptp)).toBe(2_000_000_000n);
  });

  it('free-runs on the local clock, 37 s ahead of UTC (TAI)', () => {
    const clock = new FreeRunClock();
    const aheadMs = Number(clock.nowNs() / 1_000_000n) - Date.now();
    expect(aheadMs).toBeGreaterThan(36_000);
    expect(aheadMs).toBeLessThan(38_000);
    expect(clock.state()).toBe('free-run');
    expect(clock.grandmasterId()).toBeNull();
    const a = clock.nowNs();
    const b = clock.nowNs();
    expect(b >= a).toBe(true);
  });
});
