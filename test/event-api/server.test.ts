/**
 * The event API server against an in-memory host, over real loopback WebSockets: who may
 * connect (token in header or query, Origin, Host), every command's round trip, events and
 * their level throttle, deadlines, freeze and close.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { request as httpRequest } from 'node:http';
import type { ClientOptions } from 'ws';
import { startEventApi, type EventApiOptions, type EventApiServer } from '../../main/host/event-api/event-api-server';
import { COMMAND_NAMES } from '../../main/host/event-api/protocol';
import { MemoryHost } from './memory-host';
import { TestClient } from './api-client-helper';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz';

let servers: EventApiServer[] = [];
let clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients) client.terminate();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});

async function start(options: Partial<EventApiOptions> = {}): Promise<{ server: EventApiServer; host: MemoryHost; url: string }> {
  const host = options.host instanceof MemoryHost ? options.host : new MemoryHost();
  const started = await startEventApi({ host, token: TOKEN, appVersion: '9.9.9', port: 0, ...options });
  if (!started.ok) throw new Error(started.error.message);
  servers.push(started.server);
  return { server: started.server, host, url: `ws://127.0.0.1:${started.server.port}/v1` };
}

async function open(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const client = await TestClient.open(url, options);
  clients.push(client);
  return client;
}

const bearer = { headers: { authorization: `Bearer ${TOKEN}` } };

describe('event API: who may connect', () => {
  it('refuses a missing or wrong token, accepts it in the header or the query', async () => {
    const { url, server } = await start();
    await expect(open(url)).rejects.toThrow('HTTP 401');
    await expect(open(url, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token' } })).rejects.toThrow('HTTP 401');
    await expect(open(`${url}?token=${TOKEN}x`)).rejects.toThrow('HTTP 401');
    await expect(open(url, { headers: { authorization: `Basic ${TOKEN}` } })).rejects.toThrow('HTTP 401');
    const viaHeader = await open(url, bearer);
    const viaQuery = await open(`${url}?token=${encodeURIComponent(TOKEN)}`);
    expect(viaHeader.hello).toMatchObject({ v: 1, type: 'hello', api: 1, app: { name: 'Airtight', version: '9.9.9' }, levelsHz: 20 });
    expect(viaHeader.hello.commands).toEqual(COMMAND_NAMES);
    expect(viaQuery.hello.snapshot).toEqual({ status: { connected: false, recording: false, song: '' } });
    expect(server.stats().refused.auth).toBe(4);
    expect(server.stats().clients).toBe(2);
  });

  it('refuses a cross-site Origin and a foreign Host header, allows listed origins and no Origin', async () => {
    const { url, server } = await start({ allowedOrigins: ['http://127.0.0.1:8080'] });
    await expect(open(url, { ...bearer, origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(open(url, { ...bearer, origin: 'null' })).rejects.toThrow('HTTP 403');
    await expect(open(url, { ...bearer, origin: 'http://127.0.0.1:8081' })).rejects.toThrow('HTTP 403');
    // DNS rebinding: the browser names the attacker's host even though it reached 127.0.0.1.
    await expect(open(url, { headers: { ...bearer.headers, host: `evil.example:${server.port}` } })).rejects.toThrow('HTTP 403');
    expect((await open(url, { ...bearer, origin: 'http://127.0.0.1:8080' })).hello.type).toBe('hello');
    expect((await open(url, { headers: { ...bearer.headers, host: `localhost:${server.port}` } })).hello.type).toBe('hello');
    expect(server.stats().refused).toMatchObject({ origin: 3, host: 1 });
  });

  it('answers plain HTTP with 426 and unknown paths with 404', async () => {
    const { server, url } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/v1' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(426);
    await expect(open(url.replace('/v1', '/admin'), bearer)).rejects.toThrow('HTTP 404');
  });

  it('caps the number of clients and refuses newcomers with 503', async () => {
    const { url, server } = await start({ limits: { maxClients: 3 } });
    for (let i = 0; i < 3; i++) await open(url, bearer);
    await expect(open(url, bearer)).rejects.toThrow('HTTP 503');
    expect(server.stats()).toMatchObject({ clients: 3, refused: { full: 1 } });
  });
});

describe('event API: commands', () => {
  it('runs every command and answers with its result', async () => {
    // More commands than the default burst of 20: this test is about dispatch, not rate limits.
    const { url, host } = await start({ limits: { commandBurst: 64 } });
    const client = await open(url, bearer);
    const cases: [string, unknown, unknown][] = [
      ['connect', undefined, { connecting: 'all' }],
      ['connect', { server: 'Main ♫' }, { connecting: 'Main ♫' }],
      ['disconnect', undefined, null],
      ['record.start', {}, { path: '/tmp/rec.mp3' }],
      ['record.split', undefined, { path: '/tmp/rec-2.mp3' }],
      ['record.stop', undefined, null],
      ['title.set', { title: 'Café ♫ – Ärtist' }, null],
      ['threshold.set', { kind: 'record-silence', seconds: 2.5 }, { set: 'record-silence' }],
      ['status.get', undefined, { connected: false, recording: false, song: 'Café ♫ – Ärtist' }],
      ['settings.exportButtrc', undefined, { text: '[main]\nnum_of_srv = 0\n' }],
      // The operator API's newer commands: the memory host only echoes which one ran.
      ['stop.all', undefined, { accepted: 'stop.all' }],
      ['aes67.start', undefined, { accepted: 'aes67.start' }],
      ['aes67.stop', {}, { accepted: 'aes67.stop' }],
      ['aes67.sdp', undefined, { accepted: 'aes67.sdp' }],
      ['gain.set', { db: -3.5 }, { accepted: 'gain.set' }],
      ['audio.devices', undefined, { accepted: 'audio.devices' }],
      ['settings.get', undefined, { accepted: 'settings.get' }],
      ['settings.update', { sections: { interface: { startMinimized: true } } }, { accepted: 'settings.update' }],
      ['server.setPassword', { server: 'Main ♫', password: 'hackme' }, { accepted: 'server.setPassword' }],
      ['server.test', { server: 'Main ♫' }, { accepted: 'server.test' }],
      ['settings.importButtrc', { text: '[main]\n' }, { accepted: 'settings.importButtrc' }],
      ['record.previewName', { folder: '/tmp', template: 'rec_%Y.mp3' }, { accepted: 'record.previewName' }],
      ['quit', undefined, { quitting: true }],
    ];
    for (const [name, params, expected] of cases) {
      const reply = await client.command(name, params);
      expect(reply, name).toMatchObject({ v: 1, type: 'result', ok: true, result: expected });
    }
    expect(host.commands.map((c) => c.name)).toEqual(cases.map(([name]) => name));
    expect(host.commands[0]).toEqual({ name: 'connect', params: {} });
    expect(host.commands[1]).toEqual({ name: 'connect', params: { server: 'Main ♫' } });
    expect(new Set(host.commands.map((c) => c.name))).toEqual(new Set(COMMAND_NAMES));
  });

  it('refuses unknown commands, bad params, bad envelopes and binary frames without running anything', async () => {
    const { url, host } = await start();
    const client = await open(url, bearer);
    expect(await client.command('format.disk')).toMatchObject({ ok: false, error: { code: 'API_UNKNOWN_COMMAND' } });
    expect(await client.command('title.set', { title: 42 })).toMatchObject({ ok: false, error: { code: 'API_BAD_PARAMS' } });
    expect(await client.command('title.set', { title: 'x'.repeat(5000) })).toMatchObject({ ok: false, error: { code: 'API_BAD_PARAMS' } });
    expect(await client.command('record.start', { extra: true })).toMatchObject({ ok: false, error: { code: 'API_BAD_PARAMS' } });
    expect(await client.command('connect', { server: '' })).toMatchObject({ ok: false, error: { code: 'API_BAD_PARAMS' } });
    const errors = () => client.messages.filter((m) => m.type === 'error');
    client.sendRaw('{not json');
    client.sendRaw(JSON.stringify({ v: 2, type: 'command', id: 1, name: 'quit' }));
    client.sendRaw(JSON.stringify({ v: 1, type: 'command', name: 'quit' }));
    client.sendRaw(Buffer.from([1, 2, 3]), true);
    client.sendRaw('[]');
    await client.next(() => errors().length >= 4);
    const v2 = await client.next((m) => m.type === 'result' && m.id === 1);
    expect(v2).toMatchObject({ ok: false, error: { code: 'API_VERSION_UNSUPPORTED' } });
    expect(errors().map((m) => m.error?.code)).toEqual(['API_BAD_MESSAGE', 'API_BAD_MESSAGE', 'API_BAD_MESSAGE', 'API_BAD_MESSAGE']);
    expect(host.commands).toEqual([]);
  });

  it('passes a host failure on as an AppError and bounds a command that never finishes', async () => {
    const { url, host } = await start({ limits: { commandTimeoutMs: 300 } });
    const client = await open(url, bearer);
    host.behaviour = 'fail';
    expect(await client.command('connect')).toMatchObject({ ok: false, error: { code: 'STREAM_NO_SERVER', message: 'No server is configured.' } });
    host.behaviour = 'hang';
    expect(await client.command('record.start')).toMatchObject({ ok: false, error: { code: 'API_COMMAND_TIMEOUT' } });
    host.behaviour = 'normal';
    expect(await client.command('status.get')).toMatchObject({ ok: true });
  });

  it('limits commands in flight per connection', async () => {
    const { url, host } = await start({ limits: { maxCommandsInFlight: 2, commandTimeoutMs: 500 } });
    const client = await open(url, bearer);
    host.behaviour = 'hang';
    const replies = await Promise.all([client.command('status.get'), client.command('status.get'), client.command('status.get')]);
    expect(replies.map((r) => r.error?.code)).toEqual(['API_COMMAND_TIMEOUT', 'API_COMMAND_TIMEOUT', 'API_BUSY']);
    expect(host.commands).toHaveLength(2);
  });

  it('after freeze refuses commands and new connections; close says 1001 going away and unsubscribes', async () => {
    const { url, host, server } = await start();
    const a = await open(url, bearer);
    const b = await open(`${url}?token=${TOKEN}`);
    server.freeze();
    expect(await a.command('connect')).toMatchObject({ ok: false, error: { code: 'API_SHUTTING_DOWN' } });
    host.emit('shutdown.started', { trigger: 'SIGTERM' });
    await b.next((m) => m.name === 'shutdown.started');
    await expect(TestClient.open(url, bearer)).rejects.toThrow();
    await server.close();
    await Promise.all([a.closed, b.closed]);
    expect([a.closeCode, b.closeCode, a.closeReason]).toEqual([1001, 1001, 'going away']);
    expect(host.commands).toEqual([]);
    expect(host.listenerCount).toBe(0);
  });
});

describe('event API: events', () => {
  it('pushes every event to every client in order, numbered', async () => {
    const { url, host } = await start();
    const a = await open(url, bearer);
    const b = await open(url, bearer);
    const sent: [string, unknown][] = [
      ['stream.state', { server: 'Main', state: { state: 'connecting' } }],
      ['stream.state', { server: 'Main', state: { state: 'connected', since: '2024-01-01T00:00:00Z' } }],
      ['stream.title', { server: 'Main', title: 'Song', ok: true }],
      ['recorder.status', { state: 'recording', path: '/tmp/x.mp3' }],
      ['audio.signal', { state: 'absent' }],
      ['log', { time: '2024-01-01T00:00:00Z', level: 'error', source: 'engine', message: 'Disk full', error: { code: 'DISK_FULL', message: 'Disk full' } }],
      ['engine.state', { state: 'restarting', reason: 'killed by SIGKILL' }],
    ];
    for (const [name, data] of sent) host.emit(name, data);
    for (const client of [a, b]) {
      await client.next((m) => m.name === 'engine.state');
      const events = client.events();
      expect(events.map((e) => [e.name, e.data])).toEqual(sent);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it('throttles levels to at most 20 Hz per client (or what it asked for, or none)', async () => {
    const { url, host } = await start();
    const full = await open(url, bearer);
    const slowRate = await open(`${url}?levels=5`, bearer);
    const none = await open(`${url}?levels=0`, bearer);
    expect([full.hello.levelsHz, slowRate.hello.levelsHz, none.hello.levelsHz]).toEqual([20, 5, 0]);
    // 200 Hz of levels for about a second, then a marker event.
    const began = performance.now();
    for (let i = 0; i < 200; i++) {
      host.emit('audio.levels', { i, channels: [{ peakDb: -6 }, { peakDb: -7 }] });
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 250)); // let the last pending level go out
    const elapsedS = (performance.now() - began) / 1000;
    host.emit('log', { message: 'end' });
    for (const client of [full, slowRate, none]) await client.next((m) => m.name === 'log');
    const counts = [full, slowRate, none].map((c) => c.events('audio.levels').length);
    // Sends are at least 1/Hz apart: over elapsedS no more than elapsedS*Hz + 1 can go out.
    expect(counts[0]).toBeLessThanOrEqual(Math.floor(elapsedS * 20) + 1);
    expect(counts[1]).toBeLessThanOrEqual(Math.floor(elapsedS * 5) + 1);
    expect(counts[0]).toBeGreaterThan(counts[1]!);
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[2]).toBe(0);
    // The latest value wins: the last level a client saw is the last one emitted.
    expect((full.events('audio.levels').at(-1)!.data as { i: number }).i).toBe(199);
    expect(full.events('audio.levels').every((e) => e.seq === undefined)).toBe(true);
  });
});
