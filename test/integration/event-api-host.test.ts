/** The event API on a real headless Airtight: hello with a snapshot, events, commands, quit. */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { isPresent, lastReport, startAirtight, treeOf, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
import { freePort, killTree } from '../helpers/ports';

let airtight: RunningAirtight | undefined;
afterEach(() => {
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
});

describe('event API on the host', () => {
  it('pushes state, runs commands (record, title, status) and quits through the one shutdown', async () => {
    const apiPort = await freePort('tcp');
    airtight = await startAirtight({ args: ['--api-port', String(apiPort), '-x'] });
    const token = readFileSync(join(airtight.dataDir, 'api-token'), 'utf8').trim();
    const ws = new WebSocket(`ws://127.0.0.1:${apiPort}/?token=${token}`);
    const messages: { type: string; name?: string; id?: number; ok?: boolean; result?: unknown; data?: unknown }[] = [];
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let nextId = 1;
    const command = async (name: string, params: object = {}): Promise<{ ok?: boolean; result?: unknown }> => {
      const id = nextId++;
      ws.send(JSON.stringify({ v: 1, type: 'command', id, name, params }));
      expect(await waitUntil(() => messages.some((m) => m.type === 'result' && m.id === id), 5000)).toBe(true);
      return messages.find((m) => m.type === 'result' && m.id === id)!;
    };

    expect(await waitUntil(() => messages.some((m) => m.type === 'hello'), 5000)).toBe(true);
    expect(await waitUntil(() => messages.some((m) => m.type === 'event' && m.name === 'audio.levels'), 3000)).toBe(true);

    const started = await command('record.start');
    expect(started.ok).toBe(true);
    expect(await waitUntil(() => messages.some((m) => m.type === 'event' && m.name === 'recorder.status'), 3000)).toBe(true);
    expect((await command('title.set', { title: 'Morning show' })).ok).toBe(true);
    const status = (await command('status.get')).result as { status: { recording: boolean; song: string } };
    expect(status.status).toMatchObject({ recording: true, song: 'Morning show' });
    const connect = await command('connect');
    expect(connect.ok).toBe(false); // no server configured: the error says so instead of a silent success
    expect((await command('record.stop')).ok).toBe(true);

    const tree = treeOf(airtight.pid);
    expect((await command('quit')).ok).toBe(true);
    const exit = await airtight.exited;
    expect(exit.code).toBe(0);
    expect(messages.some((m) => m.type === 'event' && m.name === 'shutdown.started')).toBe(true);
    const report = lastReport(airtight.dataDir);
    expect(report.trigger).toBe('event-api');
    expect(report.clean).toBe(true);
    expect(await waitUntil(() => tree.every((p) => !isPresent(p.pid)), 2000)).toBe(true);
    ws.terminate();
  });
});
