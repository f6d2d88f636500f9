/**
 * Each way a connection can fail gives its own state, code and message, against a real Icecast
 * (and a TLS terminator in front of it with a self-signed certificate made by openssl).
 * Also: Stop while connecting cancels at once; the registry's close makes Icecast drop the mount.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Icecast } from '../helpers/icecast';
import { freePort } from '../helpers/ports';
import { lastState, toneRig, until, type Rig } from './stream-rig';
import type { AppError } from '../../main/shared/errors';
import { StreamSender, type SenderState } from '../../main/engine/stream/stream-sender';
import { ServerEntrySchema, StreamInfoSchema } from '../../main/engine/stream/server-settings';

let icecast: Icecast;
let rig: Rig;
let dir: string;
const servers: Server[] = [];
const openSockets = new Set<Socket>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airtight-stream-fail-'));
  icecast = await Icecast.start({ maxSources: 2 });
  rig = await toneRig({ senderOptions: { confirmMs: 1000, connectTimeoutMs: 3000 } });
});
afterEach(async () => {
  await rig.manager.stopAll();
});
afterAll(async () => {
  await rig?.close();
  for (const socket of openSockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await icecast?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const seen: AppError[] = [];

function base(name: string, extra: Record<string, unknown> = {}) {
  return { name, address: '127.0.0.1', port: icecast.port, password: 'hackme', mount: `/${name}`, reconnectDelaySeconds: 0.2, ...extra };
}

async function waitFor(name: string, check: (s: SenderState) => boolean, ms = 8000): Promise<SenderState> {
  await until(() => {
    const state = lastState(rig, name);
    return state !== undefined && check(state);
  }, ms);
  const state = lastState(rig, name)!;
  if ('error' in state) seen.push(state.error);
  return state;
}

describe('failure states', () => {
  it('wrong password: failed with STREAM_AUTH_FAILED, no retry; force-reconnecting keeps trying', async () => {
    await rig.manager.start(base('badpw', { password: 'wrong' }));
    const state = await waitFor('badpw', (s) => s.state === 'failed');
    expect(state).toMatchObject({ state: 'failed', error: { code: 'STREAM_AUTH_FAILED' } });
    await new Promise((r) => setTimeout(r, 600)); // three reconnect delays
    expect(rig.manager.stats().badpw!.failedAttempts).toBe(1);

    await rig.manager.start(base('forced', { password: 'wrong', forceReconnecting: true }));
    expect(await until(() => (rig.manager.stats().forced?.failedAttempts ?? 0) >= 2, 8000)).toBe(true);
    expect(lastState(rig, 'forced')).toMatchObject({ error: { code: 'STREAM_AUTH_FAILED' } });
  });

  it('mount in use and too many sources are told apart, and retried', async () => {
    await rig.manager.start(base('busy'));
    expect((await waitFor('busy', (s) => s.state === 'connected')).state).toBe('connected');
    await rig.manager.start(base('busy2', { mount: '/busy' }));
    expect(await waitFor('busy2', (s) => s.state === 'retrying')).toMatchObject({ error: { code: 'STREAM_MOUNT_IN_USE' } });
    await rig.manager.start(base('second'));
    expect((await waitFor('second', (s) => s.state === 'connected')).state).toBe('connected');
    await rig.manager.start(base('third'));
    expect(await waitFor('third', (s) => s.state === 'retrying')).toMatchObject({ error: { code: 'STREAM_TOO_MANY_SOURCES' } });
    // Retried: once the mount is free, the waiting source takes it.
    await rig.manager.stop('third');
    await rig.manager.stop('busy');
    expect((await waitFor('busy2', (s) => s.state === 'connected')).state).toBe('connected');
  });

  it('unknown host, nothing listening, TLS to a plain port', async () => {
    await rig.manager.start(base('dns', { address: 'no-such-server.invalid' }));
    expect(await waitFor('dns', (s) => s.state === 'retrying')).toMatchObject({ error: { code: 'STREAM_DNS_FAILED' } });
    await rig.manager.start(base('refused', { port: await freePort('tcp') }));
    expect(await waitFor('refused', (s) => s.state === 'retrying')).toMatchObject({ error: { code: 'STREAM_CONNECTION_REFUSED' } });
    await rig.manager.start(base('plain', { tls: true }));
    expect(await waitFor('plain', (s) => s.state === 'retrying')).toMatchObject({ error: { code: 'STREAM_TLS_FAILED' } });
  });

  it('Shoutcast: a codec it cannot carry is refused with a reason; a wrong password is reported', async () => {
    const refused = await rig.manager.start(base('sc-ogg', { type: 'shoutcast', codec: { codec: 'vorbis' } }));
    expect(refused).toMatchObject({ code: 'STREAM_CODEC_UNSUPPORTED', message: expect.stringMatching(/MP3 and AAC only/) });
    seen.push(refused!);
    await rig.manager.start(base('sc-bad', { type: 'shoutcast', password: 'wrong' }));
    expect(await waitFor('sc-bad', (s) => s.state === 'retrying' || s.state === 'failed')).toMatchObject({ error: { code: 'STREAM_AUTH_FAILED' } });
  });

  it('a self-signed TLS server: untrusted with its SHA-256, then accepted by pin; a CA file validates it too', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const fingerprint = execFileSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-fingerprint', '-sha256']).toString().split('=')[1]!.trim();
    const terminator = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (client) => {
      const upstream = connect(icecast.port, '127.0.0.1');
      for (const s of [client, upstream]) {
        openSockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    servers.push(terminator);
    const port = await freePort('tcp');
    await new Promise<void>((r) => terminator.listen(port, '127.0.0.1', () => r()));

    await rig.manager.start(base('tls', { port, tls: true }));
    const untrusted = await waitFor('tls', (s) => s.state === 'failed');
    expect(untrusted).toMatchObject({ state: 'failed', error: { code: 'STREAM_TLS_UNTRUSTED' } });
    const presented = (untrusted as Extract<SenderState, { state: 'failed' }>).certificate!;
    expect(presented.sha256).toBe(fingerprint.replace(/:/g, '').toLowerCase());
    expect(presented.subject).toContain('CN=localhost');
    await rig.manager.stop('tls');

    // The operator accepted it: pinned in BUTT's colon form, the same server is trusted.
    await rig.manager.start(base('tls', { port, tls: true, certHash: fingerprint }));
    expect((await waitFor('tls', (s) => s.state === 'connected')).state).toBe('connected');
    expect(await icecast.mounts()).toContain('/tls');
    await rig.manager.stop('tls');

    // A CA file instead of a pin: validated by chain and host name.
    await rig.manager.start(base('tlsca', { address: 'localhost', port, tls: true, caPath: join(dir, 'cert.pem') }));
    expect((await waitFor('tlsca', (s) => s.state === 'connected')).state).toBe('connected');
  });

  it('Stop while connecting cancels at once and closes the socket', async () => {
    const accepted: Socket[] = [];
    const silent = createServer((socket) => {
      accepted.push(socket);
      openSockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // reads (and discards) the request, so our FIN is seen
    });
    servers.push(silent);
    const port = await freePort('tcp');
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', () => r()));
    await rig.manager.start(base('silent', { port }));
    expect(await until(() => accepted.length === 1, 5000)).toBe(true);
    const closedByUs = new Promise<void>((r) => accepted[0]!.once('close', () => r()));
    expect(lastState(rig, 'silent')).toMatchObject({ state: 'connecting', phase: 'dialing' });
    const started = performance.now();
    await rig.manager.stop('silent');
    const stopMs = performance.now() - started;
    await closedByUs;
    expect(lastState(rig, 'silent')).toEqual({ state: 'stopped' });
    // Far below the 10 s answer timeout it would otherwise wait for.
    expect(stopMs).toBeLessThan(5000);
    expect(accepted).toHaveLength(1);
  });

  it('a server that accepts and never answers: STREAM_TIMEOUT after the answer timeout, then retried', async () => {
    const silent = createServer((socket) => {
      openSockets.add(socket);
      socket.on('error', () => undefined);
    });
    servers.push(silent);
    const port = await freePort('tcp');
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', () => r()));
    const states: SenderState[] = [];
    const sender = new StreamSender({
      entry: ServerEntrySchema.parse(base('mute', { port, reconnectDelaySeconds: 0.2 })),
      info: StreamInfoSchema.parse({}),
      mimeType: 'audio/mpeg',
      format: { sampleRate: 44100, channels: 2 },
      answerTimeoutMs: 500,
      onState: (state) => states.push(state),
    });
    sender.start();
    try {
      expect(await until(() => states.filter((st) => st.state === 'retrying').length >= 2, 8000)).toBe(true);
    } finally {
      await sender.stop();
    }
    const retrying = states.filter((st): st is Extract<SenderState, { state: 'retrying' }> => st.state === 'retrying');
    expect(retrying[0]!.error).toMatchObject({ code: 'STREAM_TIMEOUT' });
    expect(states.some((st) => st.state === 'connected')).toBe(false);
    seen.push(retrying[0]!.error);
  });

  it('every failure above had its own code and message', () => {
    const byCode = new Map(seen.map((e) => [e.code, e.message]));
    expect([...byCode.keys()].sort()).toEqual(
      ['STREAM_AUTH_FAILED', 'STREAM_CODEC_UNSUPPORTED', 'STREAM_CONNECTION_REFUSED', 'STREAM_DNS_FAILED', 'STREAM_MOUNT_IN_USE', 'STREAM_TIMEOUT', 'STREAM_TLS_FAILED', 'STREAM_TLS_UNTRUSTED', 'STREAM_TOO_MANY_SOURCES'].sort(),
    );
    expect(new Set(byCode.values()).size).toBe(byCode.size);
  });

  it("the registry's close ends the connection: Icecast has dropped the mount when it resolves", async () => {
    await rig.manager.start(base('closing'));
    expect((await waitFor('closing', (s) => s.state === 'connected')).state).toBe('connected');
    expect(await icecast.mounts()).toContain('/closing');
    const report = await rig.registry.closeAll(3000);
    // Icecast logs the source's exit before it closes its side of the socket, which is what
    // close() waits for; its status page is built by a separate stats thread, a moment later.
    expect(icecast.errorLog()).toMatch(/Source from 127\.0\.0\.1 at "\/closing" exiting/);
    expect(await icecast.waitForMount('/closing', false, 2000)).toBe(true);
    expect(report.find((r) => r.label === 'stream to closing')).toMatchObject({ outcome: 'closed', stage: 'streams' });
  });
});
