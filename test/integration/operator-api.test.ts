/**
 * The operator API's newer commands on a real headless Airtight, driven over the event API,
 * against a real Icecast: settings round trip without passwords, password + connection test
 * (right and wrong), quick stop while streaming and recording (Icecast drops the mount, the
 * recording is a finished file ffprobe reads), gain, devices, AES67 SDP, record file names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { parse as parseSdp } from 'sdp-transform';
import { isPresent, startAirtight, tempDataDir, treeOf, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
import { Icecast } from '../helpers/icecast';
import { freePort, killTree } from '../helpers/ports';
import { TestClient } from '../event-api/api-client-helper';
import { ffprobe } from '../encoders/audio-check';

let airtight: RunningAirtight | undefined;
let icecast: Icecast | undefined;
let client: TestClient | undefined;
afterEach(async () => {
  client?.ws.terminate();
  client = undefined;
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
  await icecast?.stop();
  icecast = undefined;
});

async function startWithApi(): Promise<{ apiPort: number }> {
  const apiPort = await freePort('tcp');
  airtight = await startAirtight({ args: ['--api-port', String(apiPort), '-x'] });
  client = await TestClient.forApp(airtight.dataDir, apiPort);
  return { apiPort };
}

const ok = <T = Record<string, unknown>>(name: string, params?: unknown): Promise<T> => client!.ok<T>(name, params);

describe('operator API on a real host', () => {
  it('settings round trip, password and connection test, quick stop while streaming and recording', async () => {
    icecast = await Icecast.start({ sourcePassword: 'rig-secret-42' });
    await startWithApi();
    const recordings = tempDataDir('airtight-oprec-');

    const update = await ok<{ settings: { stream: { servers: Record<string, unknown>[] } }; applied: string[] }>('settings.update', {
      sections: {
        stream: { servers: [{ name: 'Rig', type: 'icecast', address: '127.0.0.1', port: icecast.port, mount: '/op.mp3' }], selectedServer: 'Rig' },
        audio: { input: { source: 'tone' }, record: { codec: 'wav', folder: recordings, fileName: 'take_%H%M%S' } },
      },
    });
    expect(update.applied.join(' ')).toMatch(/audio applied/);
    expect(update.settings.stream.servers[0]).toMatchObject({ name: 'Rig', hasPassword: false });
    expect(client!.messages.some((m) => m.type === 'event' && m.name === 'settings.changed')).toBe(true);

    // No password yet: tried with none (a server may have none), and Icecast refuses it.
    expect(await ok('server.test', { server: 'Rig' })).toMatchObject({ ok: false, code: 'STREAM_AUTH_FAILED' });
    await ok('server.setPassword', { server: 'Rig', password: 'wrong-one' });
    const wrong = await ok<{ ok: boolean; code: string; message: string }>('server.test', { server: 'Rig' });
    expect(wrong).toMatchObject({ ok: false, code: 'STREAM_AUTH_FAILED' });
    expect(wrong.message).toMatch(/password/i);
    expect(await ok('server.setPassword', { server: 'Rig', password: 'rig-secret-42' })).toEqual({ set: true });
    const right = await ok<{ ok: boolean; message: string }>('server.test', { server: 'Rig' });
    expect(right).toMatchObject({ ok: true, message: expect.stringMatching(/authorised/) });
    // The test hung up before any audio: the mount is not left behind.
    expect(await icecast.waitForMount('/op.mp3', false, 3000)).toBe(true);

    // The settings never carry the password, neither in the answer nor in settings.json.
    const got = await ok<{ settings: { stream: { servers: Record<string, unknown>[] }; audio: { dsp: { masterGainDb: number } } } }>('settings.get');
    expect(got.settings.stream.servers[0]).toMatchObject({ name: 'Rig', port: icecast.port, mount: '/op.mp3', hasPassword: true });
    expect(JSON.stringify(got)).not.toContain('rig-secret-42');
    expect(readFileSync(join(airtight!.dataDir, 'settings.json'), 'utf8')).not.toContain('rig-secret-42');

    // A bad update is refused naming the field, and changes nothing.
    const bad = await client!.command('settings.update', { sections: { stream: { servers: [{ name: 'Rig', address: '127.0.0.1', mount: '/op.mp3', port: 'eighty' }] } } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'SETTINGS_INVALID_FIELD', message: expect.stringContaining('stream.servers.0.port') } });
    expect((await ok<{ settings: { stream: { servers: unknown[] } } }>('settings.get')).settings.stream.servers).toHaveLength(1);

    // Clearing a password and setting it again: the server is usable both times.
    expect(await ok('server.setPassword', { server: 'Rig', password: '' })).toEqual({ set: false });
    expect(await ok('server.test', { server: 'Rig' })).toMatchObject({ ok: false, code: 'STREAM_AUTH_FAILED' });
    expect((await ok<{ settings: { stream: { servers: Record<string, unknown>[] } } }>('settings.get')).settings.stream.servers[0]).toMatchObject({ hasPassword: false, passwordRef: null });
    await ok('server.setPassword', { server: 'Rig', password: 'rig-secret-42' });
    expect(await ok('server.test', { server: 'Rig' })).toMatchObject({ ok: true });

    await ok('gain.set', { db: -6 });
    expect((await ok<typeof got>('settings.get')).settings.audio.dsp.masterGainDb).toBe(-6);

    // On air and recording.
    await ok('connect');
    expect(await icecast.waitForMount('/op.mp3', true, 10_000)).toBe(true);
    // Testing the server we are streaming to: Icecast says the mount is taken (by us).
    expect(await ok('server.test', { server: 'Rig' })).toMatchObject({ ok: false, code: 'STREAM_MOUNT_IN_USE' });
    // A settings change on air: the changed server reconnects with its new mount.
    const moved = await ok<{ applied: string[] }>('settings.update', {
      sections: { stream: { servers: [{ name: 'Rig', type: 'icecast', address: '127.0.0.1', port: icecast.port, mount: '/moved.mp3' }], selectedServer: 'Rig' } },
    });
    expect(moved.applied).toContain('stream: Rig reconnected');
    expect(await icecast.waitForMount('/moved.mp3', true, 10_000)).toBe(true);
    expect(await icecast.waitForMount('/op.mp3', false, 5000)).toBe(true);
    const recording = await ok<{ path: string }>('record.start');
    expect(recording.path.startsWith(recordings)).toBe(true);
    const statsSeen = await waitUntil(
      () => client!.messages.some((m) => m.type === 'event' && m.name === 'stream.stats' && JSON.stringify(m.data).includes('"Rig"')),
      5000,
      50,
    );
    expect(statsSeen).toBe(true);
    await new Promise((r) => setTimeout(r, 1000)); // a second of audio in the file

    const stopped = await ok<Record<string, { state: string }>>('stop.all');
    expect(stopped).toEqual({ streaming: { state: 'stopped' }, recording: { state: 'stopped' }, aes67: { state: 'was-off' } });
    expect(await icecast.waitForMount('/moved.mp3', false, 5000)).toBe(true);
    // The recording is finished: a WAV whose header ffprobe reads with the length we recorded.
    const files = readdirSync(recordings);
    expect(files).toHaveLength(1);
    const probe = ffprobe(join(recordings, files[0]!));
    expect(Number(probe.format.duration)).toBeGreaterThan(0.8);
    // The app stays open and answers; a second quick stop finds everything off.
    expect(await ok('stop.all')).toEqual({ streaming: { state: 'was-off' }, recording: { state: 'was-off' }, aes67: { state: 'was-off' } });
    const snapshot = await ok<{ status: { connected: boolean; recording: boolean }; aes67: { running: boolean } }>('status.get');
    expect(snapshot.status).toMatchObject({ connected: false, recording: false });
    expect(snapshot.aes67).toMatchObject({ running: false });
  });

  it('record.previewName, audio.devices and aes67.sdp answer', async () => {
    await startWithApi();
    const folder = tempDataDir('airtight-preview-');
    const year = String(new Date().getFullYear());
    const first = await ok<{ path: string }>('record.previewName', { folder, template: 'show_%Y_%i.wav' });
    // The default record codec is MP3: the extension follows the codec, as the recorder does.
    expect(first.path).toBe(join(folder, `show_${year}_1.mp3`));
    writeFileSync(first.path, '');
    expect((await ok<{ path: string }>('record.previewName', { folder, template: 'show_%Y_%i.wav' })).path).toBe(join(folder, `show_${year}_2.mp3`));
    expect((await client!.command('record.previewName', { folder, template: 'at_%c' })).error?.code).toBeDefined();

    const devices = await ok<{ devices: unknown[] }>('audio.devices');
    expect(Array.isArray(devices.devices)).toBe(true);

    const { sdp, running } = await ok<{ sdp: string; running: boolean }>('aes67.sdp');
    expect(running).toBe(false);
    const parsed = parseSdp(sdp);
    expect(parsed.version).toBe(0);
    expect(parsed.media[0]).toMatchObject({ type: 'audio', port: 5004, protocol: 'RTP/AVP' });
    expect(parsed.media[0]!.rtp[0]).toMatchObject({ payload: 97, codec: 'L24', rate: 48000, encoding: 2 });
    expect(sdp.split('\r\n').slice(0, 4).map((l) => l[0])).toEqual(['v', 'o', 's', 'c']);
  });
});

describe('operator API: AES67', () => {
  it('aes67.start sends RTP, aes67.sdp gives the running SDP, stop.all stops the packets', async () => {
    await startWithApi();
    const port = await freePort('udp');
    const group = '239.69.77.9';
    const receiver = createSocket({ type: 'udp4', reuseAddr: true });
    let packets = 0;
    receiver.on('message', () => packets++);
    receiver.bind(port);
    await once(receiver, 'listening');
    receiver.addMembership(group, '127.0.0.1');
    try {
      await ok('settings.update', {
        sections: {
          audio: { input: { source: 'tone', sampleRate: 48000 } },
          // The settings choose the pacer (the native thread would be 'auto''s pick here).
          aes67: { address: group, port, interface: '127.0.0.1', loopback: true, ptp: false, sap: false, pacer: 'javascript', bufferMs: 60 },
        },
      });
      const started = await ok<{ running: boolean; sdp: string }>('aes67.start');
      expect(started.running).toBe(true);
      expect(parseSdp(started.sdp).connection).toMatchObject({ ip: `${group}/32` });
      expect(await waitUntil(() => client!.messages.some((m) => m.type === 'event' && m.name === 'aes67.state' && (m.data as { running: boolean }).running), 2000)).toBe(true);
      expect(await waitUntil(() => packets > 200, 3000)).toBe(true);
      // The sender's counters reach operators about once a second and agree with the wire.
      const counted = (): { packetsSent: number; late1ms: number; pacer?: string } | undefined =>
        client!.messages
          .filter((m) => m.type === 'event' && m.name === 'aes67.state')
          .map((m) => (m.data as { counters?: { packetsSent: number; late1ms: number; pacer?: string } }).counters)
          .filter((c) => c !== undefined)
          .at(-1);
      expect(await waitUntil(() => (counted()?.packetsSent ?? 0) > 1000, 4000)).toBe(true);
      const sample = { sent: counted()!.packetsSent, received: packets };
      expect(Math.abs(sample.sent - sample.received)).toBeLessThan(1100);
      expect(counted()!.late1ms).toBeLessThanOrEqual(counted()!.packetsSent);
      expect(counted()).toMatchObject({ pacer: 'javascript' });
      expect(await ok('aes67.sdp')).toEqual({ sdp: started.sdp, running: true });
      expect((await ok<{ aes67: { running: boolean } }>('status.get')).aes67.running).toBe(true);

      expect(await ok('stop.all')).toEqual({ streaming: { state: 'was-off' }, recording: { state: 'was-off' }, aes67: { state: 'stopped' } });
      await new Promise((r) => setTimeout(r, 200));
      const after = packets;
      await new Promise((r) => setTimeout(r, 500));
      expect(packets).toBe(after);
      expect((await ok<{ aes67: { running: boolean } }>('status.get')).aes67.running).toBe(false);
    } finally {
      receiver.close();
    }
  });
});

describe('operator API: AES67 state follows the engine', () => {
  it('an engine crash reports the AES67 output as stopped (the restarted engine is not sending)', async () => {
    await startWithApi();
    await ok('settings.update', {
      sections: {
        audio: { input: { source: 'tone', sampleRate: 48000 } },
        aes67: { address: '239.69.77.10', port: 5004, interface: '127.0.0.1', loopback: false, ptp: false, sap: false },
      },
    });
    await ok('aes67.start');
    expect((await ok<{ aes67: { running: boolean } }>('status.get')).aes67.running).toBe(true);
    const before = client!.messages.length;
    process.kill(airtight!.enginePid, 'SIGKILL');
    const stoppedEvent = () => client!.messages.slice(before).some((m) => m.type === 'event' && m.name === 'aes67.state' && !(m.data as { running: boolean }).running);
    expect(await waitUntil(stoppedEvent, 5000)).toBe(true);
    expect(await waitUntil(() => client!.messages.slice(before).some((m) => m.type === 'event' && m.name === 'engine.state' && (m.data as { state: string }).state === 'running'), 10_000)).toBe(true);
    const after = await ok<{ aes67: { running: boolean } }>('status.get');
    expect(after.aes67.running).toBe(false);
    expect((await ok<{ running: boolean }>('aes67.sdp')).running).toBe(false);
  });
});

describe('operator API: quit leaves nothing', () => {
  it('an Ogg FLAC mount on Icecast 2.4: titles travel in the stream, and the log says so once, not per title', async () => {
    icecast = await Icecast.start({ sourcePassword: 'ogg-secret' });
    await startWithApi();
    await ok('settings.update', {
      sections: {
        stream: { servers: [{ name: 'OggRig', type: 'icecast', address: '127.0.0.1', port: icecast.port, mount: '/titles.oga', codec: { codec: 'ogg-flac' } }], selectedServer: 'OggRig' },
        audio: { input: { source: 'tone' } },
      },
    });
    await ok('server.setPassword', { server: 'OggRig', password: 'ogg-secret' });
    await ok('connect');
    expect(await icecast.waitForMount('/titles.oga', true, 10_000)).toBe(true);
    const titleEvents = (): { ok: boolean; error?: { code: string } }[] =>
      client!.messages.filter((m) => m.type === 'event' && m.name === 'stream.title').map((m) => m.data as { ok: boolean; error?: { code: string } });
    for (const title of ['First – Ärtist', 'Second – Ärtist']) {
      const before = titleEvents().length;
      await ok('title.set', { title });
      expect(await waitUntil(() => titleEvents().length > before, 5000)).toBe(true);
      expect(titleEvents().at(-1)).toMatchObject({ ok: false, error: { code: 'TITLE_IN_STREAM_ONLY' } });
    }
    const logged = client!.messages
      .filter((m) => m.type === 'event' && m.name === 'log')
      .map((m) => m.data as { level: string; message: string })
      .filter((e) => /inside the stream|not accepted/.test(e.message));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'info', message: expect.stringContaining('OggRig') });
    // The mount stayed up through both titles (a new chained link each time).
    expect(await icecast.waitForMount('/titles.oga', true, 1000)).toBe(true);
  });

  it('after quit over the API the process tree is gone', async () => {
    await startWithApi();
    const tree = treeOf(airtight!.pid);
    await ok('quit');
    expect((await airtight!.exited).code).toBe(0);
    expect(await waitUntil(() => tree.every((p) => !isPresent(p.pid)), 3000)).toBe(true);
  });
});
