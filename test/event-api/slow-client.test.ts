/**
 * A client that stops reading must not slow the others or make the server hold ever more
 * memory for it: its events are dropped above the high-water mark, its levels as soon as
 * anything waits, and it is cut off once it has been stuck for stuckCloseMs.
 */
import { describe, it, expect, afterEach } from 'vitest';
import type { Socket } from 'node:net';
import { startEventApi, type EventApiServer } from '../../main/host/event-api/event-api-server';
import { MemoryHost } from './memory-host';
import { TestClient } from './api-client-helper';
import { rawHandshake } from './raw-socket';

const TOKEN = 'slow-client-token-0123456789abcdefghijklmnop';
const MAX_BUFFERED = 256 * 1024;
const EVENT_BYTES = 8 * 1024;
/** 48 MB in all: far more than the kernel's socket buffers can hide for a paused reader. */
const EVENTS = 6000;

let server: EventApiServer | undefined;
const cleanup: (() => void)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0)) fn();
  await server?.close();
  server = undefined;
});

describe('event API: a slow client', () => {
  it('gets events dropped and is cut off, while a reading client gets every event', async () => {
    const host = new MemoryHost();
    const started = await startEventApi({ host, token: TOKEN, appVersion: '0', port: 0, limits: { maxBufferedBytes: MAX_BUFFERED, stuckCloseMs: 1500 } });
    if (!started.ok) throw new Error(started.error.message);
    server = started.server;
    const url = `ws://127.0.0.1:${server.port}/v1?token=${TOKEN}`;
    const reader = await TestClient.open(url);
    cleanup.push(() => reader.terminate());
    const slow: Socket = await rawHandshake(server.port, TOKEN);
    cleanup.push(() => slow.destroy());
    slow.pause(); // never reads again
    let slowClosed = false;
    slow.once('close', () => (slowClosed = true));

    const filler = 'x'.repeat(EVENT_BYTES);
    for (let i = 0; i < EVENTS; i++) {
      host.emit('log', { i, message: filler });
      if (i % 10 === 0) host.emit('audio.levels', { i });
      // Let the reader read between small batches, as events arrive spread out in real life.
      if (i % 8 === 7) await new Promise((r) => setImmediate(r));
    }
    host.emit('engine.state', { state: 'running', pid: 1 });
    await reader.next((m) => m.name === 'engine.state', 20_000);

    const logs = reader.events('log');
    expect(logs).toHaveLength(EVENTS);
    expect(logs.every((e, i) => (e.data as { i: number }).i === i && e.seq === i + 1)).toBe(true);

    const stats = server.stats();
    expect(stats.droppedEvents).toBeGreaterThan(0);
    expect(stats.droppedLevels).toBeGreaterThan(0);
    // The memory held for any client stays below the mark plus one message.
    expect(stats.maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED + EVENT_BYTES + 200);

    // Stuck for 1.5 s -> terminated (bounded wait).
    for (let i = 0; i < 100 && server.stats().stuckClosed === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(server.stats()).toMatchObject({ stuckClosed: 1, clients: 1 });
    // Our end sees the connection gone once it reads what the kernel still holds.
    slow.on('data', () => undefined);
    slow.resume();
    // Draining megabytes the kernel still holds takes a while on a loaded machine: bounded at 30 s.
    for (let i = 0; i < 300 && !slowClosed; i++) await new Promise((r) => setTimeout(r, 100));
    expect(slowClosed).toBe(true);
    // The reader is untouched and still answered.
    expect(await reader.command('status.get')).toMatchObject({ ok: true });
  });
});
