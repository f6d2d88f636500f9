/**
 * The native AES67 pacing thread (native/rtp-pacer) and the payload ring that feeds it.
 * The ring is tested on its own (wrap-around of the slot index and of the 32-bit counts,
 * full, empty); the thread is started through the addon and its packets are received on a
 * real UDP socket on loopback and parsed: a ring that runs dry must give silence with
 * continuous sequence and timestamps. Stop must join a sleeping thread within its deadline
 * and leave no thread and no descriptor behind. Where the addon is not built, the native
 * cases are skipped with the reason (the JavaScript pacer covers the sender then).
 */
import { describe, it, expect } from 'vitest';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { PacketRing } from '../../main/engine/aes67/packet-ring';
import { PacerStats } from '../../main/engine/aes67/pacer-stats';
import { ClockMappingWriter, createClockMapping, FreeRunClock, TAI_UTC_OFFSET_S } from '../../main/engine/aes67/media-clock';
import { parseRtpHeader } from '../../main/engine/aes67/rtp';
import { loadRtpPacer, type NativePacerOptions } from '../../native/rtp-pacer';

const loaded = loadRtpPacer();
const skipNative = 'reason' in loaded ? loaded.reason : '';
if (skipNative) console.log(`native pacer tests skipped: ${skipNative}`);

const PAYLOAD = 48 * 2 * 3; // 1 ms, stereo, L24

function fds(): Map<string, string> {
  const out = new Map<string, string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed while listing
    }
  }
  return out;
}

function options(ring: PacketRing, clock: SharedArrayBuffer, stats: PacerStats, port: number): NativePacerOptions {
  return {
    ring: new Uint8Array(ring.buffer),
    clock: new Uint8Array(clock),
    stats: new Uint8Array(stats.buffer),
    group: '127.0.0.1',
    port,
    ttl: 32,
    interfaceAddress: '127.0.0.1',
    loopback: true,
    dscp: 34,
    payloadType: 97,
    ssrc: 0x01020304,
    firstSequence: 65530, // wraps within the test
    firstTimestamp: 4294967296 - 48 * 10, // wraps too
    firstSample: 0,
    framesPerPacket: 48,
    payloadBytes: PAYLOAD,
    maxCatchUpPackets: 20,
    realtime: true,
    realtimePriority: 20,
  };
}

describe('payload ring', () => {
  it('keeps payloads in order across slot and 32-bit count wrap-around, refuses when full, answers null when empty', () => {
    const ring = PacketRing.create(8, 5);
    // Start the counts just below 2^32 so they wrap during the test.
    const header = new Int32Array(ring.buffer, 0, 2);
    header[0] = -3;
    header[1] = -3;
    expect(ring.take()).toBeNull();
    let written = 0;
    let read = 0;
    for (let round = 0; round < 50; round++) {
      const batch = 1 + (round % 8);
      for (let i = 0; i < batch; i++) {
        const slot = ring.nextSlot()!;
        slot.fill(written & 0xff);
        ring.publish(written % 3 === 0);
        written++;
      }
      if (round % 8 === 7) {
        // fill to the brim: the ninth slot is refused
        while (ring.fill() < 8) {
          ring.nextSlot()!.fill(written & 0xff);
          ring.publish(written % 3 === 0);
          written++;
        }
        expect(ring.nextSlot()).toBeNull();
      }
      let got;
      while ((got = ring.take())) {
        expect([...got.payload]).toEqual(new Array(5).fill(read & 0xff));
        expect(got.silent).toBe(read % 3 === 0);
        read++;
      }
      expect(ring.fill()).toBe(0);
    }
    expect(read).toBe(written);
    expect(written).toBeGreaterThan(200);
    expect(() => PacketRing.create(6, 5)).toThrow(/power of two/);
  });
});

describe('native pacing thread', () => {
  it('sends the ring in order, then silence with continuous sequence and timestamps when the ring runs dry', async (ctx) => {
    if (skipNative || 'reason' in loaded) return ctx.skip(skipNative);
    const receiver = createSocket('udp4');
    const packets: Buffer[] = [];
    receiver.on('message', (m) => packets.push(m));
    receiver.bind(0, '127.0.0.1');
    await once(receiver, 'listening');
    const ring = PacketRing.create(64, PAYLOAD);
    for (let i = 0; i < 40; i++) {
      ring.nextSlot()!.fill(i + 1); // never 0: silence is told apart
      ring.publish(i === 5); // one producer-side silent packet
    }
    const stats = PacerStats.create();
    const clock = new FreeRunClock();
    const firstSample = Number((clock.nowNs() * 48_000n) / 1_000_000_000n);
    const started = loaded.addon.start({ ...options(ring, clock.mapping, stats, receiver.address().port), firstSample });
    if ('error' in started) throw new Error(started.error);
    expect(started.dscp).toEqual({ set: true, dscp: 34 });
    expect(readdirSync('/proc/self/task')).toContain(String(started.tid));
    for (let i = 0; i < 100 && packets.length < 120; i++) await new Promise((r) => setTimeout(r, 20));
    const stopped = loaded.addon.stop(started.pacer, 1000);
    receiver.close();
    expect(stopped.joined).toBe(true);
    expect(packets.length).toBeGreaterThanOrEqual(120);

    packets.forEach((p, i) => {
      const h = parseRtpHeader(p);
      expect(p.length).toBe(12 + PAYLOAD);
      expect(h).toMatchObject({ payloadType: 97, ssrc: 0x01020304, marker: i === 0 });
      expect(h.sequence).toBe((65530 + i) % 65536);
      expect(h.timestamp).toBe((4294967296 - 480 + i * 48) % 4294967296);
      const body = p.subarray(12);
      const expected = i < 40 && i !== 5 ? i + 1 : 0;
      expect(body.every((b) => b === expected), `payload of packet ${i}`).toBe(true);
    });
    const counters = stats.snapshot();
    expect(counters.packetsSent).toBeGreaterThanOrEqual(packets.length);
    expect(counters.ringEmptyPackets).toBe(counters.packetsSent - 40);
    expect(counters.silentPackets).toBe(counters.packetsSent - 39);
    expect(stats.lateness().count).toBe(counters.packetsSent);
  });

  it('stop joins a thread sleeping towards a far deadline within the deadline, and leaves no thread or descriptor', async (ctx) => {
    if (skipNative || 'reason' in loaded) return ctx.skip(skipNative);
    const tasksBefore = new Set(readdirSync('/proc/self/task'));
    const fdsBefore = fds();
    // A clock whose first deadline is 60 s away: the thread is asleep when stop comes.
    const mapping = createClockMapping();
    new ClockMappingWriter(mapping).write({ localAnchorNs: process.hrtime.bigint() + 60_000_000_000n, ptpAnchorNs: BigInt(TAI_UTC_OFFSET_S) * 1_000_000_000n, ratePpb: 0 });
    const firstSample = TAI_UTC_OFFSET_S * 48_000;
    const stats = PacerStats.create();
    const started = loaded.addon.start({ ...options(PacketRing.create(4, PAYLOAD), mapping, stats, 9), firstSample });
    if ('error' in started) throw new Error(started.error);
    const tid = String(started.tid);
    expect(readdirSync('/proc/self/task')).toContain(tid);
    const socketFds = [...fds()].filter(([fd, target]) => !fdsBefore.has(fd) && target.startsWith('socket:'));
    expect(socketFds).toHaveLength(1); // the pacer's own socket, so the check below can fail
    await new Promise((r) => setTimeout(r, 200));
    expect(stats.snapshot().packetsSent).toBe(0); // still asleep
    const stopped = loaded.addon.stop(started.pacer, 1000);
    expect(stopped.joined).toBe(true);
    expect(stopped.ms).toBeLessThan(1000);
    expect(readdirSync('/proc/self/task')).not.toContain(tid);
    expect([...readdirSync('/proc/self/task')].filter((t) => !tasksBefore.has(t))).toEqual([]);
    expect(fds().has(socketFds[0]![0]) && fds().get(socketFds[0]![0]) === socketFds[0]![1]).toBe(false);
    // A second stop is harmless.
    expect(loaded.addon.stop(started.pacer, 10).joined).toBe(true);
  });

  it('runs on the clock process.hrtime.bigint() reads (CLOCK_MONOTONIC), which the media clock mapping is built on', (ctx) => {
    if (skipNative || 'reason' in loaded) return ctx.skip(skipNative);
    const a = loaded.addon.monotonicNs();
    const b = process.hrtime.bigint();
    const c = loaded.addon.monotonicNs();
    expect(a <= b && b <= c).toBe(true);
  });
});
