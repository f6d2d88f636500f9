/**
 * Fuzzing the event API: tens of thousands of random and mutated messages (text and binary,
 * invalid JSON, wrong types, prototype tricks, oversize frames), broken frames at the byte
 * level, a flood, and 200 connections at once. Afterwards a valid client must still be
 * answered, the host must have seen only commands some valid message asked for (checked with
 * a reference validator written here from docs/EVENT-API.md, independent of protocol.ts), the
 * reading client's events must have no gaps, and the event loop (which runs the server) must
 * not have stalled.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startEventApi, type EventApiLimits, type EventApiServer } from '../../main/host/event-api/event-api-server';
import { MemoryHost } from './memory-host';
import { TestClient, type ApiMessage } from './api-client-helper';
import { encodeFrame, rawHandshake } from './raw-socket';
import { seededRandom as rng } from '../helpers/seeded-random';

const TOKEN = 'fuzz-token-0123456789abcdefghijklmnopqrstuvwx';
const MESSAGE_FRAMES = 30_000;
const RAW_CONNECTIONS = 240;
const RAW_FRAMES_EACH = 40;
/** Generous: a stall of the server's event loop this long would be a bug, not noise. */
const MAX_LOOP_STALL_MS = 1000;
const SEED = Number(process.env.EVENT_API_FUZZ_SEED ?? 0xa1e7) >>> 0;


// --- reference validator, from the documented protocol -----------------------------------

const NO_PARAMS = ['disconnect', 'record.start', 'record.stop', 'record.split', 'status.get', 'settings.exportButtrc', 'quit'];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The command a text frame asks for ({name, params} as the host should get it), or undefined. */
function referenceCommand(text: string): { name: string; params: Record<string, unknown> } | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(m) || m.v !== 1 || m.type !== 'command' || typeof m.name !== 'string' || m.name.length > 64) return undefined;
  const idOk = (typeof m.id === 'string' && m.id.length <= 64) || (typeof m.id === 'number' && Number.isSafeInteger(m.id));
  if (!idOk) return undefined;
  const keys = Object.keys(m).filter((k) => !['v', 'type', 'id', 'name', 'params'].includes(k));
  void keys; // extra envelope keys are tolerated by the documented protocol
  const p = m.params;
  if (NO_PARAMS.includes(m.name)) {
    if (p === undefined || (isPlainObject(p) && Object.keys(p).length === 0)) return { name: m.name, params: {} };
    return undefined;
  }
  if (m.name === 'connect') {
    if (p === undefined) return { name: 'connect', params: {} };
    if (!isPlainObject(p)) return undefined;
    const extra = Object.keys(p).filter((k) => k !== 'server');
    if (extra.length > 0) return undefined;
    if (p.server === undefined) return { name: 'connect', params: {} };
    if (typeof p.server !== 'string' || p.server.length < 1 || p.server.length > 256) return undefined;
    return { name: 'connect', params: { server: p.server } };
  }
  if (m.name === 'title.set') {
    if (!isPlainObject(p) || Object.keys(p).length !== 1 || typeof p.title !== 'string' || p.title.length > 1024) return undefined;
    return { name: 'title.set', params: { title: p.title } };
  }
  if (m.name === 'threshold.set') {
    const kinds = ['stream-signal', 'stream-silence', 'record-signal', 'record-silence'];
    if (!isPlainObject(p) || Object.keys(p).length !== 2 || !kinds.includes(p.kind as string)) return undefined;
    if (typeof p.seconds !== 'number' || !(p.seconds >= 0 && p.seconds <= 86400)) return undefined;
    return { name: 'threshold.set', params: { kind: p.kind, seconds: p.seconds } };
  }
  return undefined;
}

// --- generators ---------------------------------------------------------------------------

const VALID = [
  { name: 'connect' },
  { name: 'connect', params: { server: 'Main ♫' } },
  { name: 'disconnect', params: {} },
  { name: 'record.start' },
  { name: 'record.stop' },
  { name: 'record.split' },
  { name: 'title.set', params: { title: 'Café ♫ – Ärtist' } },
  { name: 'title.set', params: { title: 'x'.repeat(1024) } },
  { name: 'threshold.set', params: { kind: 'stream-signal', seconds: 1.5 } },
  { name: 'status.get' },
  { name: 'settings.exportButtrc' },
  { name: 'quit' },
];

const WEIRD_VALUES: unknown[] = [null, true, 0, -1, 1e308, 2 ** 53, '', 'x'.repeat(70), [], [1], {}, { a: 1 }, '__proto__', 'constructor', 'toString', 'hasOwnProperty'];

function makeMessages(count: number, random: () => number): { data: string | Buffer; binary: boolean }[] {
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T,>(list: readonly T[]): T => list[int(list.length)]!;
  const out: { data: string | Buffer; binary: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const base: Record<string, unknown> = { v: 1, type: 'command', id: int(3) === 0 ? i : `m${i}`, ...pick(VALID) };
    const text = JSON.stringify(base);
    switch (int(14)) {
      case 0:
        out.push({ data: Buffer.from(Array.from({ length: int(300) }, () => int(256))), binary: true });
        break;
      case 1:
        out.push({ data: text.slice(0, int(text.length)), binary: false }); // truncated JSON
        break;
      case 2: {
        const chars = [...text];
        for (let k = 0; k < 1 + int(4); k++) chars[int(chars.length)] = String.fromCharCode(int(128));
        out.push({ data: chars.join(''), binary: false });
        break;
      }
      case 3: // a field with the wrong type
        out.push({ data: JSON.stringify({ ...base, [pick(['v', 'type', 'id', 'name', 'params'])]: pick(WEIRD_VALUES) }), binary: false });
        break;
      case 4: // params of the wrong shape
        out.push({ data: JSON.stringify({ ...base, params: { [pick(['server', 'title', 'extra', '__proto__'])]: pick(WEIRD_VALUES) } }), binary: false });
        break;
      case 5:
        out.push({ data: pick(['', 'null', '[]', '{}', '"x"', '1', 'true', '{"v":1}', '{"__proto__":{"v":1}}', '{"v":1,"type":"command","id":1,"name":"__proto__"}']), binary: false });
        break;
      case 6: // deep nesting
        out.push({ data: '['.repeat(1 + int(20_000)), binary: false });
        break;
      case 7: // big but under the frame limit
        out.push({ data: JSON.stringify({ ...base, params: { title: 'y'.repeat(int(60_000)) } }), binary: false });
        break;
      case 8: // a valid envelope as a binary frame
        out.push({ data: Buffer.from(text), binary: true });
        break;
      case 9:
        out.push({ data: JSON.stringify({ ...base, name: `${base.name as string}${pick(['', ' ', 'x', '.', '\u0000'])}` }), binary: false });
        break;
      case 10:
        out.push({ data: JSON.stringify({ ...base, v: pick([0, 2, '1', 1.5]) }), binary: false });
        break;
      default:
        out.push({ data: text, binary: false }); // valid (the host may still refuse for rate)
    }
  }
  return out;
}

/** Frames broken at the byte level; each connection that gets one is closed by the server. */
function makeRawFrames(count: number, random: () => number): Buffer[] {
  const int = (n: number): number => Math.floor(random() * n);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const good = Buffer.from(JSON.stringify({ v: 1, type: 'command', id: 1, name: 'status.get' }));
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    switch (int(10)) {
      case 0:
        frames.push(bytes(1 + int(200)));
        break;
      case 1:
        frames.push(encodeFrame(1, good, { masked: false })); // clients must mask
        break;
      case 2:
        frames.push(encodeFrame(pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xf]), good));
        break;
      case 3:
        frames.push(encodeFrame(1, good, { rsv: 1 + int(7) })); // no extension negotiated
        break;
      case 4:
        frames.push(encodeFrame(1, Buffer.from([0xc3, 0x28, 0xff, 0xfe]))); // invalid UTF-8 text
        break;
      case 5:
        frames.push(encodeFrame(1, good, { declaredLength: BigInt(int(2)) ? 2n ** 63n - 1n : 1n << 40n }));
        break;
      case 6:
        frames.push(encodeFrame(0, good)); // continuation with nothing to continue
        break;
      case 7:
        frames.push(encodeFrame(9, bytes(126 + int(100)))); // control frame too long
        break;
      case 8:
        frames.push(encodeFrame(1, good, { fin: false }), encodeFrame(1, good)); // new message inside a fragmented one
        break;
      default:
        frames.push(encodeFrame(1, good).subarray(0, 1 + int(10))); // cut short
    }
  }
  return frames;
  function pick<T>(list: T[]): T {
    return list[int(list.length)]!;
  }
}

// --- helpers ----------------------------------------------------------------------------------

let server: EventApiServer | undefined;
const toClose: (() => void)[] = [];

afterEach(async () => {
  for (const fn of toClose.splice(0)) fn();
  await server?.close();
  server = undefined;
});

async function startServer(host: MemoryHost, limits: Partial<EventApiLimits>): Promise<EventApiServer> {
  const started = await startEventApi({ host, token: TOKEN, appVersion: 'fuzz', port: 0, limits });
  if (!started.ok) throw new Error(started.error.message);
  server = started.server;
  return server;
}

async function openClient(port: number): Promise<TestClient> {
  const client = await TestClient.open(`ws://127.0.0.1:${port}/v1?token=${TOKEN}`);
  toClose.push(() => client.terminate());
  return client;
}

function waitClosed(socket: Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Events from the host while the fuzz runs, as a live engine would send them. */
function emitWhileRunning(host: MemoryHost): () => void {
  let n = 0;
  const status = setInterval(() => host.emit('stream.state', { server: 'Main', state: { state: 'connected' }, n: n++ }), 50);
  const levels = setInterval(() => host.emit('audio.levels', { channels: [{ peakDb: -3 }] }), 20);
  return () => {
    clearInterval(status);
    clearInterval(levels);
  };
}

function expectNoGaps(events: ApiMessage[]): void {
  const seqs = events.map((e) => e.seq!);
  expect(seqs.length).toBeGreaterThan(0);
  expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
}

function expectOnlyValidCommands(host: MemoryHost, sent: string[]): void {
  const allowed = new Set(sent.map(referenceCommand).filter((c) => c !== undefined).map((c) => JSON.stringify(c)));
  for (const command of host.commands) expect(allowed.has(JSON.stringify(command)), JSON.stringify(command).slice(0, 200)).toBe(true);
}

describe('event API fuzz', () => {
  it(`survives ${MESSAGE_FRAMES} random and mutated messages and ${RAW_CONNECTIONS * RAW_FRAMES_EACH} broken frames`, async () => {
    const host = new MemoryHost();
    // Rate limits out of the way: every message reaches the parser and validator here.
    const api = await startServer(host, { messageBurst: 1e9, messagesPerSecond: 1e9, commandBurst: 1e9, commandsPerSecond: 1e9, hostCommandBurst: 1e9, hostCommandsPerSecond: 1e9 });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const stopEvents = emitWhileRunning(host);
    const watcher = await openClient(api.port);
    const random = rng(SEED);

    // 1. Messages with valid framing and bad content, in bursts over a few connections.
    const messages = makeMessages(MESSAGE_FRAMES, random);
    const sentTexts: string[] = [];
    const fuzzers = await Promise.all([0, 1, 2, 3].map(() => openClient(api.port)));
    for (let i = 0; i < messages.length; i++) {
      const { data, binary } = messages[i]!;
      if (!binary) sentTexts.push(String(data));
      fuzzers[i % fuzzers.length]!.sendRaw(data, binary);
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 1));
    }
    // Oversize frames: each closes its connection with 1009.
    for (let i = 0; i < 10; i++) {
      const big = await openClient(api.port);
      big.sendRaw('z'.repeat(64 * 1024 + 1 + Math.floor(random() * 1e6)));
      await big.closed;
      expect(big.closeCode).toBe(1009);
    }
    // Every fuzzer is answered for everything it sent (a reply or an error per message).
    const answered = (c: TestClient): number => c.messages.filter((m) => m.type === 'result' || m.type === 'error').length;
    const perFuzzer = fuzzers.map((_, k) => messages.filter((_, i) => i % fuzzers.length === k).length);
    for (let k = 0; k < fuzzers.length; k++) await fuzzers[k]!.next(() => answered(fuzzers[k]!) >= perFuzzer[k]!, 30_000);

    // 2. Broken frames at the byte level, 20 connections at a time.
    const rawFrames = makeRawFrames(RAW_CONNECTIONS * RAW_FRAMES_EACH, random);
    for (let batch = 0; batch < RAW_CONNECTIONS; batch += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          const socket = await rawHandshake(api.port, TOKEN);
          toClose.push(() => socket.destroy());
          socket.on('data', () => undefined); // read whatever the server says
          const at = (batch + j) * RAW_FRAMES_EACH;
          socket.write(Buffer.concat(rawFrames.slice(at, at + RAW_FRAMES_EACH)));
          await waitClosed(socket, 3000);
        }),
      );
    }
    stopEvents();

    // Afterwards: a valid client is answered, the watcher missed nothing, the host saw only valid commands.
    const after = await openClient(api.port);
    expect(await after.command('status.get')).toMatchObject({ ok: true });
    expect(await watcher.command('title.set', { title: 'after fuzz' })).toMatchObject({ ok: true });
    sentTexts.push(JSON.stringify({ v: 1, type: 'command', id: 'x', name: 'status.get' }), JSON.stringify({ v: 1, type: 'command', id: 'y', name: 'title.set', params: { title: 'after fuzz' } }));
    expectNoGaps(watcher.events('stream.state'));
    expectOnlyValidCommands(host, sentTexts);
    const stats = api.stats();
    expect(stats.malformed).toBeGreaterThan(MESSAGE_FRAMES / 3);
    expect(stats.oversizeClosed).toBeGreaterThanOrEqual(10); // plus raw frames that declare huge lengths
    expect(host.commands.length).toBeGreaterThan(1000);
    loop.disable();
    if (process.env.EVENT_API_FUZZ_REPORT) console.log(JSON.stringify({ loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6, hostCommands: host.commands.length, ...stats }));
    expect(loop.max / 1e6).toBeLessThan(MAX_LOOP_STALL_MS);
  });

  it('closes a flooding connection and refuses extra connections, while a valid client keeps working', async () => {
    const host = new MemoryHost();
    const api = await startServer(host, { maxClients: 64 });
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const stopEvents = emitWhileRunning(host);
    const watcher = await openClient(api.port);

    // A flood: 20 000 valid commands as fast as the socket takes them.
    const flooder = await openClient(api.port);
    const flood = JSON.stringify({ v: 1, type: 'command', id: 1, name: 'record.split' });
    for (let i = 0; i < 20_000 && flooder.ws.readyState === flooder.ws.OPEN; i++) {
      flooder.sendRaw(flood);
      if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 1));
    }
    await flooder.closed;
    expect(flooder.closeCode).toBe(1008);
    expect(await watcher.command('status.get')).toMatchObject({ ok: true });

    // 200 connections at once: idle TCP, upgrades without a token, upgrades with one (capped).
    const idle = Array.from({ length: 80 }, () => connect({ host: '127.0.0.1', port: api.port }).on('error', () => undefined));
    toClose.push(() => idle.forEach((s) => s.destroy()));
    const noToken = Array.from({ length: 60 }, () => TestClient.open(`ws://127.0.0.1:${api.port}/v1`).then(
      (c) => (c.terminate(), 'open'),
      (e: Error) => e.message,
    ));
    const withToken = Array.from({ length: 60 }, () => TestClient.open(`ws://127.0.0.1:${api.port}/v1?token=${TOKEN}`).then(
      (c) => (toClose.push(() => c.terminate()), 'open'),
      (e: Error) => e.message,
    ));
    const [refused, admitted] = await Promise.all([Promise.all(noToken), Promise.all(withToken)]);
    expect(refused.every((r) => r === 'HTTP 401')).toBe(true);
    const opened = admitted.filter((r) => r === 'open').length;
    // The watcher and the flood client's slot: at most maxClients - 1 more fit.
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(63);
    expect(admitted.filter((r) => r !== 'open').every((r) => r === 'HTTP 503')).toBe(true);

    // While all of them are open the watcher is still answered and still gets events.
    const before = watcher.events('stream.state').length;
    expect(await watcher.command('status.get')).toMatchObject({ ok: true });
    await watcher.next(() => watcher.events('stream.state').length > before + 2);
    stopEvents();
    expectNoGaps(watcher.events('stream.state'));
    // The flood reached the host only within the rate limits (burst 20 + 10/s, a few seconds at most).
    const splits = host.commands.filter((c) => c.name === 'record.split').length;
    expect(splits).toBeGreaterThan(0);
    expect(splits).toBeLessThan(200);
    expect(host.commands.every((c) => c.name === 'record.split' || c.name === 'status.get')).toBe(true);
    expect(api.stats().floodClosed).toBe(1);
    loop.disable();
    expect(loop.max / 1e6).toBeLessThan(MAX_LOOP_STALL_MS);
  });
});
