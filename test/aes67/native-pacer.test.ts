/**
 * The native AES67 pacing thread (native/rtp-pacer), started through the addon; its packets
 * are received on a real UDP socket on loopback and parsed. It reads the same shared audio
 * ring as the JavaScript pacer and must encode it byte for byte as rtp.ts does, across ring
 * wrap-around, with clipping; an empty ring gives silence with continuous sequence and
 * timestamps and one counted underrun. Stop must join a sleeping thread within its deadline
 * and leave no thread and no descriptor behind. Where the addon is not built, these cases are
 * skipped with the reason (the sender then runs the JavaScript pacer).
 */
import { describe, it, expect } from 'vitest';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { SharedAudioRing } from '../../main/engine/aes67/audio-ring';
import { PacerStats } from '../../main/engine/aes67/pacer-stats';
import { ClockMappingWriter, createClockMapping, TAI_UTC_OFFSET_S } from '../../main/engine/aes67/media-clock';
import { parseRtpHeader, RtpPacketWriter, type RtpEncoding } from '../../main/engine/aes67/rtp';
import { loadRtpPacer, type NativePacerOptions } from '../../native/rtp-pacer';
import { seededRandom } from '../helpers/seeded-random';

const loaded = loadRtpPacer();
const skipNative = 'reason' in loaded ? loaded.reason : '';
if (skipNative) console.log(`native pacer tests skipped: ${skipNative}`);

const N = 48;
const CHANNELS = 2;

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

/**
 * A media clock that runs at a tenth of the local clock (rate -900 000 000 ppb), so packets go
 * out every 10 ms: the test's feeder keeps up even on a loaded machine, and the C side is seen
 * to apply the mapping's rate term.
 */
function slowClock(): { mapping: SharedArrayBuffer; firstSample: number } {
  const mapping = createClockMapping();
  const ptpAnchorNs = BigInt(TAI_UTC_OFFSET_S + 1_000_000) * 1_000_000_000n;
  new ClockMappingWriter(mapping).write({ localAnchorNs: process.hrtime.bigint(), ptpAnchorNs, ratePpb: -900_000_000 });
  return { mapping, firstSample: Number((ptpAnchorNs * 48_000n) / 1_000_000_000n) };
}

function options(ring: SharedAudioRing, clock: SharedArrayBuffer, stats: PacerStats, port: number, encoding: RtpEncoding): NativePacerOptions {
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
    firstSequence: 65500, // wraps within the test
    firstTimestamp: 4294967296 - N * 10, // wraps too
    firstSample: 0,
    framesPerPacket: N,
    bytesPerSample: encoding === 'L24' ? 3 : 2,
    primeFrames: 96,
    maxCatchUpPackets: 20,
    realtime: true,
    realtimePriority: 20,
  };
}

describe.each(['L24', 'L16'] as const)('native pacing thread, %s', (encoding) => {
  it('sends the audio ring encoded byte for byte as rtp.ts, across wrap-around, then silence with continuous sequence and timestamps', async (ctx) => {
    if (skipNative || 'reason' in loaded) return ctx.skip(skipNative);
    const receiver = createSocket('udp4');
    const packets: Buffer[] = [];
    receiver.on('message', (m) => packets.push(m));
    receiver.bind(0, '127.0.0.1');
    await once(receiver, 'listening');

    // 100 packets of seeded noise beyond full scale (clipping) through a 512-frame ring: 4 wraps of its positions.
    const random = seededRandom(encoding === 'L24' ? 24 : 16);
    const audio = Float32Array.from({ length: 100 * N * CHANNELS }, () => (random() * 2 - 1) * 1.2);
    const ring = SharedAudioRing.create(CHANNELS, 512);
    let fed = ring.write(audio) * CHANNELS;
    const stats = PacerStats.create();
    const clock = slowClock();
    const started = loaded.addon.start({ ...options(ring, clock.mapping, stats, receiver.address().port, encoding), firstSample: clock.firstSample });
    if ('error' in started) throw new Error(started.error);
    try {
      expect(started.dscp).toEqual({ set: true, dscp: 34 });
      expect(readdirSync('/proc/self/task')).toContain(String(started.tid));
      for (let i = 0; i < 600 && packets.length < 130; i++) {
        if (fed < audio.length) fed += ring.write(audio.subarray(fed)) * CHANNELS;
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      expect(loaded.addon.stop(started.pacer, 1000).joined).toBe(true);
      receiver.close();
    }
    expect(packets.length).toBeGreaterThanOrEqual(130);

    const writer = new RtpPacketWriter({ payloadType: 97, ssrc: 0x01020304, firstSequence: 65500 }, encoding, CHANNELS, N);
    packets.forEach((p, i) => {
      const timestamp = (4294967296 - N * 10 + i * N) % 4294967296;
      const samples = i < 100 ? audio.subarray(i * N * CHANNELS, (i + 1) * N * CHANNELS) : null;
      const expected = writer.write(i, timestamp, samples);
      expect(parseRtpHeader(p)).toEqual({ marker: i === 0, payloadType: 97, sequence: (65500 + i) % 65536, timestamp, ssrc: 0x01020304 });
      expect(p.equals(expected), `packet ${i} differs from rtp.ts`).toBe(true);
    });
    const counters = stats.snapshot();
    expect(counters.packetsSent).toBeGreaterThanOrEqual(packets.length);
    expect(counters.underruns).toBe(1);
    expect(counters.silentPackets).toBe(counters.packetsSent - 100);
    expect(counters.sendErrors).toBe(0);
    expect(stats.lateness().count).toBe(counters.packetsSent);
  });
});

describe('native pacing thread: stop and clock', () => {
  it('stop joins a thread sleeping towards a far deadline within the deadline, and leaves no thread or descriptor', async (ctx) => {
    if (skipNative || 'reason' in loaded) return ctx.skip(skipNative);
    const tasksBefore = new Set(readdirSync('/proc/self/task'));
    const fdsBefore = fds();
    // A clock whose first deadline is 60 s away: the thread is asleep when stop comes.
    const mapping = createClockMapping();
    new ClockMappingWriter(mapping).write({ localAnchorNs: process.hrtime.bigint() + 60_000_000_000n, ptpAnchorNs: BigInt(TAI_UTC_OFFSET_S) * 1_000_000_000n, ratePpb: 0 });
    const stats = PacerStats.create();
    // (A catch-up bound beyond 60 s: otherwise the thread takes the far deadline for a clock step and follows it.)
    const started = loaded.addon.start({
      ...options(SharedAudioRing.create(CHANNELS, 256), mapping, stats, 9, 'L24'),
      firstSample: TAI_UTC_OFFSET_S * 48_000,
      maxCatchUpPackets: 1_000_000,
    });
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
    expect(readdirSync('/proc/self/task').filter((t) => !tasksBefore.has(t))).toEqual([]);
    const [fd, target] = socketFds[0]!;
    expect(fds().get(fd) === target).toBe(false);
    // A second stop is harmless.
    expect(loaded.addon.stop(started.pacer, 10).joined).toBe(true);
  });

  it('runs on the clock process.hrtime.bigint() reads (CLOCK_MONOTONIC), which the media clock mapping is built on', (ctx) => {
    if (skipNative || 'reason' in loaded) return ctx.skip(skipNative);
    const a = loaded.addon.monotonicNs();
    const b = process.hrtime.bigint();
    const c = loaded.addon.monotonicNs();
    expect(a <= b && b <= c).toBe(true);
    expect(Number(c - a)).toBeLessThan(1e9);
  });
});

describe('AES67 sender with each pacer', () => {
  it.for(['native', 'javascript'] as const)('%s: reports the pacer in use, stops with every step confirmed, and leaves no thread or socket', async (kind, ctx) => {
    if (kind === 'native' && (skipNative || 'reason' in loaded)) return ctx.skip(skipNative);
    const { Aes67Sender, describePacer } = await import('../../main/engine/aes67/sender');
    const { FreeRunClock } = await import('../../main/engine/aes67/media-clock');
    const { Aes67SenderSettingsSchema } = await import('../../main/engine/aes67/aes67-settings');
    // UDP sockets of this process (its fds that appear in the UDP table; worker threads also open unix sockets).
    const sockets = (): string[] => {
      const inodes = new Set([...fds().values()].map((t) => /^socket:\[(\d+)\]$/.exec(t)?.[1]).filter(Boolean));
      return readFileSync('/proc/self/net/udp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)[9]).filter((inode) => inode !== undefined && inodes.has(inode)) as string[];
    };
    const before = sockets();
    const socketsBefore = before.length;
    const settings = Aes67SenderSettingsSchema.parse({ interface: '127.0.0.1', sap: false, port: 15_990 });
    const sender = await Aes67Sender.start({ settings, clock: new FreeRunClock(), inputRate: 48_000, pacer: { kind } });
    if ('error' in sender) throw new Error(sender.error.message);
    const status = sender.status();
    expect(status.pacerInUse.kind).toBe(kind);
    expect(describePacer(status.pacerInUse)).toMatch(kind === 'native' ? /^native pacing thread, real-time priority: (granted|refused \(.+\))$/ : /^JavaScript pacer \(forced by the settings\)$/);
    const tids = [status.pacerTid, status.workerTid].map(String);
    expect(readdirSync('/proc/self/task')).toEqual(expect.arrayContaining(tids));
    expect(sockets().length).toBe(socketsBefore + 1); // the RTP socket, so the check below can fail
    const rtpSocket = sockets().find((inode) => !before.includes(inode));
    await new Promise((r) => setTimeout(r, 300));
    expect(sender.status().pacer.packetsSent).toBeGreaterThan(100);
    const steps = await sender.stop();
    expect(steps.map((s) => `${s.step}:${s.ok}`)).toEqual(['announcer-timer:true', 'rtp-sender:true', 'sap-deletion:true', 'pacer-thread:true']);
    for (let i = 0; i < 50 && tids.some((t) => readdirSync('/proc/self/task').includes(t)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync('/proc/self/task').filter((t) => tids.includes(t))).toEqual([]);
    expect(sockets()).not.toContain(rtpSocket);
  });
});

describe('AES67 sender following a media clock step', () => {
  it.for(['native', 'javascript'] as const)('%s: a step back of 37 s (free-run TAI guess -> ARB grandmaster) is followed at once, packets never stop', async (kind, ctx) => {
    if (kind === 'native' && (skipNative || 'reason' in loaded)) return ctx.skip(skipNative);
    const { Aes67Sender } = await import('../../main/engine/aes67/sender');
    const { FreeRunClock, ClockMappingReader } = await import('../../main/engine/aes67/media-clock');
    const { Aes67SenderSettingsSchema } = await import('../../main/engine/aes67/aes67-settings');
    const clock = new FreeRunClock();
    const settings = Aes67SenderSettingsSchema.parse({ interface: '127.0.0.1', sap: false, port: 15_991 });
    const sender = await Aes67Sender.start({ settings, clock, inputRate: 48_000, pacer: { kind } });
    if ('error' in sender) throw new Error(sender.error.message);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const before = sender.status().pacer;
      expect(before.resyncs).toBe(0);
      // What the PTP follower publishes on its first lock: the same local instant, PTP time 37 s earlier.
      const m = new ClockMappingReader(clock.mapping).read();
      new ClockMappingWriter(clock.mapping).write({ ...m, ptpAnchorNs: m.ptpAnchorNs - 37_000_000_000n });
      await new Promise((r) => setTimeout(r, 300));
      const after = sender.status().pacer;
      expect(after.resyncs).toBe(1);
      expect(after.skippedPackets).toBeGreaterThanOrEqual(36_990); // 37 s of 1 ms packets, back
      expect(after.packetsSent - before.packetsSent, 'packets sent in the 300 ms after the step').toBeGreaterThan(150);
    } finally {
      await sender.stop();
    }
  });
});
