/**
 * An engine crash does not take the station off air for good: a real headless Airtight
 * streaming to a real Icecast and recording has its engine killed (SIGKILL); the restarted
 * engine reconnects the stream (Icecast lists the mount again) and records into a new file,
 * and the screens were told the stream stopped in between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAirtight, tempDataDir, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
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

describe('engine crash while on air', () => {
  it('the restarted engine reconnects the stream and records on in a new file', async () => {
    icecast = await Icecast.start({ sourcePassword: 'crash-pw' });
    const apiPort = await freePort('tcp');
    airtight = await startAirtight({ args: ['--api-port', String(apiPort), '-x'] });
    client = await TestClient.forApp(airtight.dataDir, apiPort);
    const ok = (name: string, params?: unknown): Promise<unknown> => client!.ok(name, params);
    const recordings = tempDataDir('airtight-crashrec-');
    await ok('settings.update', {
      sections: {
        stream: { servers: [{ name: 'Air', type: 'icecast', address: '127.0.0.1', port: icecast.port, mount: '/air.mp3' }] },
        audio: { input: { source: 'tone' }, record: { codec: 'wav', folder: recordings, fileName: 'air_%H%M%S_%i' } },
      },
    });
    await ok('server.setPassword', { server: 'Air', password: 'crash-pw' });
    await ok('connect');
    expect(await icecast.waitForMount('/air.mp3', true, 10_000)).toBe(true);
    await ok('record.start');
    await new Promise((r) => setTimeout(r, 1000));

    const before = client.messages.length;
    const crashed = airtight.enginePid;
    process.kill(crashed, 'SIGKILL');
    await airtight.waitForOutput(/Streaming resumed after the engine restart: Air\./, 15_000);
    await airtight.waitForOutput(/Recording resumed after the engine restart/, 5000);
    // Screens saw the stream stop with the engine, then connect again.
    const later = client.messages.slice(before).filter((m) => m.type === 'event' && m.name === 'stream.state');
    expect(later.map((m) => (m.data as { state: { state: string } }).state.state)).toContain('stopped');
    expect(await waitUntil(() => client!.messages.slice(before).some((m) => m.type === 'event' && m.name === 'stream.state' && (m.data as { state: { state: string } }).state.state === 'connected'), 10_000)).toBe(true);
    expect(await icecast.waitForMount('/air.mp3', true, 10_000)).toBe(true);
    const status = (await ok('status.get')) as { status: { connected: boolean; recording: boolean }; engine: { pid: number } };
    expect(status.engine.pid).not.toBe(crashed);
    expect(status.status).toMatchObject({ connected: true, recording: true });

    await new Promise((r) => setTimeout(r, 1000));
    expect(await ok('stop.all')).toMatchObject({ streaming: { state: 'stopped' }, recording: { state: 'stopped' } });
    // Two files: the one the crash cut (readable up to the crash) and the one after it.
    const files = readdirSync(recordings).sort();
    expect(files).toHaveLength(2);
    for (const file of files) expect(Number(ffprobe(join(recordings, file)).format.duration), file).toBeGreaterThan(0.5);
  });
});
