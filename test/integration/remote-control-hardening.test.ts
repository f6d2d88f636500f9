/**
 * BUTT's UDP control mode through the whole app, and the remote interfaces under attack:
 * thousands of garbage datagrams to the command port and garbage frames to the event API
 * while Airtight streams to a real Icecast. The listener must not notice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startAirtight, type RunningAirtight } from '../helpers/airtight-process';
import { freePort, killTree } from '../helpers/ports';
import { Icecast } from '../helpers/icecast';
import { butt, hasButt, statusField as field, writeStationButtrc } from '../helpers/butt-station';

let airtight: RunningAirtight | undefined;
let icecast: Icecast | undefined;
afterEach(async () => {
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
  await icecast?.stop();
  icecast = undefined;
});

const buttUdp = (port: number, ...args: string[]): string => butt(port, args, true).out;

describe.skipIf(!hasButt)('remote control under load', () => {
  it('UDP control works end to end, and fuzzing the command port and the event API does not disturb the stream', async () => {
    icecast = await Icecast.start({ sourcePassword: 'rigpass' });
    const buttrc = writeStationButtrc(icecast.port, 'rigpass');
    const controlPort = await freePort('udp');
    const apiPort = await freePort('tcp');
    airtight = await startAirtight({ args: ['-c', buttrc, '-U', '-p', String(controlPort), '--api-port', String(apiPort)] });
    expect(await icecast.waitForMount('/butt.mp3', true, 10_000)).toBe(true);

    // A listener counts what reaches it.
    let received = 0;
    let listenerError: Error | undefined;
    const listener = request(icecast.url('/butt.mp3'));
    listener.on('response', (res) => {
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('error', (error) => (listenerError = error));
    });
    listener.on('error', (error) => (listenerError = error));
    listener.end();
    for (let i = 0; i < 50 && field(buttUdp(controlPort, '-S'), 'connected') !== '1'; i++) await new Promise((r) => setTimeout(r, 200));
    expect(field(buttUdp(controlPort, '-S'), 'connected')).toBe('1');
    await new Promise((r) => setTimeout(r, 1500)); // past Icecast's initial burst
    const before = received;
    const t0 = performance.now();

    // Garbage at the command port: random datagrams and mutated valid frames.
    const udp = createSocket('udp4');
    for (let i = 0; i < 5000; i++) {
      const frame = i % 2 === 0 ? randomBytes(1 + (i % 1100)) : Buffer.concat([Buffer.from([i % 13, 0, 0, 0]), randomBytes(4 + (i % 40))]);
      udp.send(frame, controlPort, '127.0.0.1');
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    udp.close();
    // Garbage at the event API: without a token, then with it.
    const token = readFileSync(join(airtight.dataDir, 'api-token'), 'utf8').trim();
    const intruders = await Promise.all(
      Array.from({ length: 20 }, () => new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${apiPort}/`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
        ws.on('open', () => resolve(200));
      })),
    );
    expect(intruders.every((code) => code === 401)).toBe(true);
    const ws = new WebSocket(`ws://127.0.0.1:${apiPort}/?token=${token}`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.on('error', () => undefined);
    for (let i = 0; i < 3000 && ws.readyState === WebSocket.OPEN; i++) {
      const kind = i % 4;
      if (kind === 0) ws.send(randomBytes(1 + (i % 500)).toString('latin1'));
      else if (kind === 1) ws.send(JSON.stringify({ v: 1, type: 'command', id: i, name: 'connect', params: { server: 42 } }));
      else if (kind === 2) ws.send(JSON.stringify({ v: 2, type: 'command', id: i, name: 'quit' }));
      else ws.send(randomBytes(64));
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    ws.terminate();
    await new Promise((r) => setTimeout(r, 3000));
    const seconds = (performance.now() - t0) / 1000;
    const kbps = ((received - before) * 8) / 1000 / seconds;
    console.log(`listener got ${Math.round(kbps)} kbps of the 128 kbps stream during the fuzz (${seconds.toFixed(1)} s)`);

    expect(listenerError).toBeUndefined();
    expect(kbps).toBeGreaterThan(128 * 0.9);
    expect(field(buttUdp(controlPort, '-S'), 'connected')).toBe('1');
    expect(airtight.output()).not.toMatch(/restarting it|retrying/);
    listener.destroy();
    buttUdp(controlPort, '-q');
    expect((await airtight.exited).code).toBe(0);
  });
});
