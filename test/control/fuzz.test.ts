/**
 * Fuzzing the command server: tens of thousands of random and mutated frames over TCP and UDP,
 * a flood of valid requests, 200 idle connections at once. Afterwards the server must still
 * answer a status, the target must have seen only calls some valid frame asked for (checked
 * with a reference decoder written here from the spec, independent of wire.ts), and the event
 * loop of this process (which runs the server) must not have stalled.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startControlServer, type ControlServer, type ControlServerOptions } from '../../main/host/control/server';
import { sendControlRequest, type ControlOutcome } from '../../main/host/control/client';
import { encodeRequest, type ControlRequest } from '../../main/host/control/wire';
import { freePort } from '../helpers/ports';
import { MemoryTarget, type TargetCall } from './memory-target';
import { seededRandom as rng } from '../helpers/seeded-random';

const TCP_FRAMES = 10_000;
const UDP_FRAMES = 40_000;
/** Generous: a stall of the server's event loop this long would be a bug, not noise. */
const MAX_LOOP_STALL_MS = 1000;


const SEED = Number(process.env.CONTROL_FUZZ_SEED ?? 0x5eed) >>> 0;

const VALID: ControlRequest[] = [
  { kind: 'connect' },
  { kind: 'connect', serverName: 'Main ♫' },
  { kind: 'disconnect' },
  { kind: 'start-recording' },
  { kind: 'stop-recording' },
  { kind: 'status' },
  { kind: 'split-recording' },
  { kind: 'quit' },
  { kind: 'set-song', title: 'Café ♫ – Ärtist' },
  { kind: 'set-song', title: 'x'.repeat(500) },
  { kind: 'set-threshold', threshold: 'stream-signal', seconds: 5 },
  { kind: 'set-threshold', threshold: 'record-silence', seconds: 2.5 },
];

function makeFrames(count: number, random: () => number): Buffer[] {
  const int = (n: number): number => Math.floor(random() * n);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const base = encodeRequest(VALID[int(VALID.length)]!);
    const f = Buffer.from(base);
    switch (int(12)) {
      case 0:
        frames.push(bytes(int(1100))); // pure noise
        break;
      case 1:
        frames.push(f.subarray(0, int(f.length))); // truncated
        break;
      case 2: {
        const sizes = [0, 1, 3, 4, 5, 999, 1000, 1001, 0xffffffff, int(0x100000000), f.length - 16 + 1, Math.max(0, f.length - 17)];
        f.writeUInt32LE(sizes[int(sizes.length)]! >>> 0, 4);
        frames.push(Buffer.concat([f, bytes(int(40))]));
        break;
      }
      case 3:
        f.writeUInt32LE(int(2) ? int(20) : int(0x100000000), 0); // command number
        frames.push(f);
        break;
      case 4:
        for (let k = 0; k < 1 + int(4); k++) {
          const at = int(f.length);
          f[at] = f[at]! ^ (1 << int(8)); // bit flips
        }
        frames.push(f);
        break;
      case 5: {
        const garbage = bytes(Math.max(0, f.length - 16));
        garbage.copy(f, 16); // same length, garbage parameters
        frames.push(f);
        break;
      }
      case 6: {
        // invalid UTF-8 inside a string parameter, NUL kept
        const song = encodeRequest({ kind: 'set-song', title: 'abcdef' });
        const bad = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]][int(5)]!;
        Buffer.from(bad).copy(song, 16 + int(3));
        frames.push(song);
        break;
      }
      case 7: {
        // a string without its NUL, the size saying so
        const named = int(2) ? encodeRequest({ kind: 'set-song', title: 'no nul' }) : encodeRequest({ kind: 'connect', serverName: 'no nul' });
        const cut = Buffer.from(named.subarray(0, named.length - 1));
        cut.writeUInt32LE(cut.length - 16, 4);
        frames.push(cut);
        break;
      }
      case 8: {
        const threshold = Buffer.alloc(20);
        threshold.writeUInt32LE(9 + int(4), 0);
        threshold.writeUInt32LE(4, 4);
        if (int(2)) threshold.writeFloatLE([Number.NaN, -1, 1e9, Infinity, 0.25, 86_400, 86_401][int(7)]!, 16);
        else threshold.writeInt32LE([-1, 0, 1, 86_400, 86_401, 0x7fffffff][int(6)]!, 16);
        frames.push(threshold);
        break;
      }
      case 9:
        frames.push(Buffer.concat([f, bytes(int(200))])); // trailing junk
        break;
      case 10: {
        const big = Buffer.alloc(16 + 1000, 0x61);
        big.writeUInt32LE(8, 0);
        big.writeUInt32LE(1000, 4);
        if (int(2)) big[16 + 998] = 0xe2; // split character at the 1000-byte cut
        frames.push(big);
        break;
      }
      default:
        frames.push(f); // valid
    }
  }
  return frames;
}

/**
 * Reference decoder from the spec (butt-compat.md + Airtight's stricter rules), written
 * without wire.ts: the target call a frame may cause, or null for none.
 */
function expectedCall(frame: Buffer): TargetCall | 'status' | 'any-song-prefix' | null {
  if (frame.length < 16) return null;
  const cmd = frame.readUInt32LE(0);
  const size = frame.readUInt32LE(4);
  if (size > 1000 || frame.length < 16 + size) return null;
  const param = frame.subarray(16, 16 + size);
  const text = (): string | null | 'prefix' => {
    const nul = param.indexOf(0);
    if (nul < 0) return size === 1000 ? 'prefix' : null;
    const raw = param.subarray(0, nul);
    const decoded = raw.toString('utf8');
    return Buffer.from(decoded, 'utf8').equals(raw) ? decoded : null;
  };
  switch (cmd) {
    case 1: {
      if (size === 0) return { method: 'connect' };
      const name = text();
      if (name === 'prefix') return 'any-song-prefix';
      return name === null ? null : name === '' ? { method: 'connect' } : { method: 'connect', serverName: name };
    }
    case 2:
      return { method: 'disconnect' };
    case 3:
      return { method: 'startRecording' };
    case 4:
      return { method: 'stopRecording' };
    case 5:
      return 'status';
    case 6:
      return { method: 'splitRecording' };
    case 7:
      return { method: 'quit' };
    case 8: {
      const title = text();
      if (title === 'prefix') return 'any-song-prefix';
      return title === null ? null : { method: 'setSong', title };
    }
    case 9:
    case 10:
    case 11:
    case 12: {
      if (size !== 4) return null;
      const i = param.readInt32LE(0);
      const f = param.readFloatLE(0);
      const seconds = i >= 0 && i <= 86_400 ? i : Number.isFinite(f) && f >= 0 && f <= 86_400 ? f : null;
      if (seconds === null) return null;
      const kind = (['stream-signal', 'stream-silence', 'record-signal', 'record-silence'] as const)[cmd - 9]!;
      return { method: 'setThreshold', kind, seconds };
    }
    default:
      return null;
  }
}

/** Every call the target saw must be one a sent frame asked for (as a multiset). */
function checkCalls(frames: Buffer[], calls: TargetCall[]): void {
  const allowed = new Map<string, number>();
  let prefixes = 0;
  for (const frame of frames) {
    const call = expectedCall(frame);
    if (call === null || call === 'status') continue;
    if (call === 'any-song-prefix') {
      prefixes++;
      continue;
    }
    const key = JSON.stringify(call);
    allowed.set(key, (allowed.get(key) ?? 0) + 1);
  }
  for (const call of calls) {
    const key = JSON.stringify(call);
    const left = allowed.get(key) ?? 0;
    if (left > 0) {
      allowed.set(key, left - 1);
      continue;
    }
    // A 1000-byte unterminated string: a valid UTF-8 prefix of it, at most 1000 bytes.
    const text = call.method === 'setSong' ? call.title : call.method === 'connect' ? call.serverName : undefined;
    if (text !== undefined && prefixes > 0 && Buffer.byteLength(text) <= 1000 && !text.includes('\0') && !text.includes('\ufffd')) {
      prefixes--;
      continue;
    }
    throw new Error(`the target saw a call no valid frame asked for: ${key}`);
  }
}

const servers: ControlServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function serve(options: Partial<ControlServerOptions>): Promise<{ server: ControlServer; target: MemoryTarget }> {
  const target = new MemoryTarget();
  const protocol = options.protocol ?? 'tcp';
  const started = await startControlServer({ ...options, target, port: await freePort(protocol) });
  if (!started.ok) throw new Error(started.error.message);
  servers.push(started.server);
  return { server: started.server, target };
}

/** Sends each frame on its own connection, `parallel` at a time; half-closes after writing. */
async function sendTcpFrames(port: number, frames: Buffer[], parallel: number, localAddress = '127.0.0.1'): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < frames.length) {
      const frame = frames[next++]!;
      const socket = connect({ port, host: '127.0.0.1', localAddress });
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      const closed = once(socket, 'close');
      socket.end(frame);
      await Promise.race([closed, delay(4000)]);
      socket.destroy();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/**
 * Sends datagrams in batches, each once the server has read most of the one before (bounded
 * wait), so the kernel's receive buffer does not silently drop most of them.
 */
async function sendUdpFrames(server: ControlServer, frames: Buffer[], localAddress = '127.0.0.1'): Promise<void> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, localAddress, () => resolve()));
  await new Promise<void>((resolve) => socket.connect(server.port, '127.0.0.1', () => resolve()));
  const base = server.stats().received;
  for (let i = 0; i < frames.length; i += 100) {
    await Promise.all(frames.slice(i, i + 100).map((f) => new Promise<void>((resolve) => socket.send(f.length > 0 ? f : Buffer.alloc(1), () => resolve()))));
    for (let wait = 0; wait < 50 && server.stats().received - base < i + 50; wait++) await delay(1);
  }
  for (let wait = 0; wait < 20 && server.stats().received - base < frames.length; wait++) await delay(10);
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

async function statusWithin(endpoint: { port: number; protocol: 'tcp' | 'udp' }, attempts = 10): Promise<ControlOutcome> {
  let outcome: ControlOutcome = { kind: 'failed', reason: 'no-response', message: 'not tried' };
  for (let i = 0; i < attempts; i++) {
    outcome = await sendControlRequest({ kind: 'status' }, { address: '127.0.0.1', ...endpoint });
    if (outcome.kind === 'status') return outcome;
    await delay(250); // over the rate limit right after a flood: the bucket refills
  }
  return outcome;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const unlimited = { commandBurst: 1e9, commandPerSecond: 1e9, statusBurst: 1e9, statusPerSecond: 1e9, maxPendingCommands: 1e9 };

describe('command server fuzz', () => {
  it(`TCP: ${TCP_FRAMES} random and mutated frames; only valid calls reach the target; still answers`, async () => {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    // Rate limits lifted so thousands of decoded frames reach the target and get checked.
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (message: string) => void warnings.push(message) };
    const { server, target } = await serve({ log, limits: { ...unlimited, requestTimeoutMs: 2000 } });
    const frames = makeFrames(TCP_FRAMES, rng(SEED));
    await sendTcpFrames(server.port, frames, 48);
    expect(await statusWithin({ port: server.port, protocol: 'tcp' })).toMatchObject({ kind: 'status' });
    lag.disable();
    const stats = server.stats();
    console.log(`TCP fuzz (seed ${SEED}): ${stats.commands} commands, ${stats.statusReplies} status, ${stats.malformed} malformed, ${target.calls.length} target calls; loop delay max ${(lag.max / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms`);
    checkCalls(frames, target.calls);
    expect(stats.malformed).toBeGreaterThan(TCP_FRAMES / 4);
    // Refused input is summarised (every 10 s and at close), never logged frame by frame.
    await server.close();
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(3);
    expect(warnings.at(-1)).toMatch(/^Command server refused requests: \d+ malformed/);
    expect(target.calls.length).toBeGreaterThan(TCP_FRAMES / 10);
    expect(lag.max / 1e6).toBeLessThan(MAX_LOOP_STALL_MS);
  });

  it(`UDP: ${UDP_FRAMES} random and mutated datagrams; only valid calls reach the target; still answers`, async () => {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const { server, target } = await serve({ protocol: 'udp', limits: unlimited });
    const frames = makeFrames(UDP_FRAMES, rng(SEED + 1));
    await sendUdpFrames(server, frames);
    expect(await statusWithin({ port: server.port, protocol: 'udp' })).toMatchObject({ kind: 'status' });
    lag.disable();
    const stats = server.stats();
    console.log(`UDP fuzz (seed ${SEED + 1}): ${stats.received} datagrams read, ${stats.commands} commands, ${stats.malformed} malformed, ${target.calls.length} target calls; loop delay max ${(lag.max / 1e6).toFixed(1)} ms`);
    checkCalls(frames, target.calls);
    expect(stats.received).toBeGreaterThan(UDP_FRAMES * 0.9); // the kernel may drop a few
    expect(stats.malformed).toBeGreaterThan(UDP_FRAMES / 4);
    expect(target.calls.length).toBeGreaterThan(UDP_FRAMES / 10);
    expect(lag.max / 1e6).toBeLessThan(MAX_LOOP_STALL_MS);
  });

  it('a flood of valid requests is rate limited: the target sees a bounded number of calls', async () => {
    for (const protocol of ['tcp', 'udp'] as const) {
      const { server, target } = await serve({ protocol });
      const status = encodeRequest({ kind: 'status' });
      const song = encodeRequest({ kind: 'set-song', title: 'flood' });
      const frames = Array.from({ length: protocol === 'tcp' ? 1500 : 6000 }, (_, i) => (i % 2 ? status : song));
      const started = performance.now();
      if (protocol === 'tcp') await sendTcpFrames(server.port, frames, 32);
      else await sendUdpFrames(server, frames);
      const seconds = (performance.now() - started) / 1000;
      // Defaults: 20 commands at once then 10/s; status from a cache at most every 200 ms.
      const stats = server.stats();
      console.log(`${protocol} flood: ${frames.length} requests (${stats.received} read) in ${seconds.toFixed(1)} s -> ${target.calls.length} commands, ${target.statusCalls} target status calls, ${stats.rateLimited} refused`);
      expect(target.calls.length).toBeLessThanOrEqual(20 + Math.ceil(seconds * 10) + 2);
      expect(target.statusCalls).toBeLessThanOrEqual(Math.ceil(seconds * 5) + 12);
      expect(stats.rateLimited).toBeGreaterThan(stats.received / 2);
      expect(target.calls.every((c) => c.method === 'setSong' && c.title === 'flood')).toBe(true);
      expect(await statusWithin({ port: server.port, protocol })).toMatchObject({ kind: 'status', status: { song: 'flood' } });
    }
  });

  it('limits are per address: a client flooding from 127.0.0.2 leaves 127.0.0.1 its own budget', async () => {
    for (const protocol of ['tcp', 'udp'] as const) {
      const { server, target } = await serve({ protocol, exposed: true, bindAddress: '127.0.0.1', allow: ['127.0.0.0/8'] });
      const song = encodeRequest({ kind: 'set-song', title: 'flood' });
      const status = encodeRequest({ kind: 'status' });
      const frames = Array.from({ length: protocol === 'tcp' ? 600 : 3000 }, (_, i) => (i % 2 ? status : song));
      const started = performance.now();
      if (protocol === 'tcp') await sendTcpFrames(server.port, frames, 32, '127.0.0.2');
      else await sendUdpFrames(server, frames, '127.0.0.2');
      const seconds = (performance.now() - started) / 1000;
      const flooded = server.stats().rateLimited;
      expect(flooded).toBeGreaterThan(frames.length / 4);
      expect(target.calls.length).toBeLessThanOrEqual(20 + Math.ceil(seconds * 10) + 2);
      // The first request of another address goes through at once, with no wait for a refill.
      expect(await statusWithin({ port: server.port, protocol }, 1)).toMatchObject({ kind: 'status', status: { song: 'flood' } });
      const other = await sendControlRequest({ kind: 'set-song', title: 'from .1' }, { address: '127.0.0.1', port: server.port, protocol });
      expect(other.kind).not.toBe('failed');
      const lastTitle = (): unknown => { const last = target.calls.at(-1); return last && 'title' in last ? last.title : undefined; };
      for (let wait = 0; wait < 100 && lastTitle() !== 'from .1'; wait++) await delay(10);
      expect(target.calls.at(-1)).toMatchObject({ method: 'setSong', title: 'from .1' });
      // And the flooding address is still refused right now.
      const before = server.stats().rateLimited;
      await (protocol === 'tcp' ? sendTcpFrames(server.port, Array(30).fill(song), 4, '127.0.0.2') : sendUdpFrames(server, Array(30).fill(song), '127.0.0.2'));
      expect(server.stats().rateLimited).toBeGreaterThan(before);
    }
  });

  it('200 idle connections at once: capped, dropped within the request timeout, a valid client still gets through', async () => {
    const { server, target } = await serve({});
    const idle: Socket[] = [];
    for (let i = 0; i < 200; i++) {
      const socket = connect({ port: server.port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      sockets.push(socket);
      idle.push(socket);
    }
    const closed = idle.map((s) => once(s, 'close').then(() => undefined));
    await Promise.all(idle.map((s) => Promise.race([once(s, 'connect'), once(s, 'close'), delay(3000)])));
    expect(server.stats().openConnections).toBeLessThanOrEqual(64);
    // While they hang there, a real request is answered (it displaces the oldest idle one).
    expect(await sendControlRequest({ kind: 'start-recording' }, { address: '127.0.0.1', port: server.port, protocol: 'tcp' })).toEqual({ kind: 'ack', code: 0 });
    expect(await statusWithin({ port: server.port, protocol: 'tcp' })).toMatchObject({ kind: 'status', status: { recording: true } });
    // Every idle connection is gone well within the 2 s timeout plus slack.
    const outcome = await Promise.race([Promise.all(closed).then(() => 'all closed'), delay(6000).then(() => 'some still open')]);
    expect(outcome).toBe('all closed');
    // The server's own 'close' events may trail the peers' by a tick.
    for (let wait = 0; wait < 100 && server.stats().openConnections > 0; wait++) await delay(10);
    const stats = server.stats();
    expect(stats.evicted + stats.timedOut).toBeGreaterThanOrEqual(200);
    expect(stats.openConnections).toBe(0);
    expect(target.calls).toEqual([{ method: 'startRecording' }]);
  });
});
