/**
 * The command-line fallback for desktops without global shortcuts (Wayland): a second launch
 * with --stop-all (or BUTT's -s/-d/-r/-t/-S) is handed to the running instance through the
 * instance socket, whatever its command port and even with the command server off (-x).
 * A real headless Airtight streams to a real Icecast and records; --stop-all must take the
 * mount off Icecast, finish a decodable recording, and leave the app running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { isPresent, lastReport, runLaunch, startAirtight, tempDataDir, treeOf, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
import { killTree } from '../helpers/ports';
import { Icecast } from '../helpers/icecast';
import { statusField, writeStationButtrc } from '../helpers/butt-station';

let airtight: RunningAirtight | undefined;
let icecast: Icecast | undefined;
afterEach(async () => {
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
  await icecast?.stop();
  icecast = undefined;
});

/** A second launch on the same data dir; resolves with its exit code and output (bounded). */
function secondLaunch(dataDir: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = runLaunch(['--data-dir', dataDir, ...args]);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('control launches reach the running instance', () => {
  it('--stop-all takes the stream off Icecast and stops the recording; the app stays up; -s/-d/-r/-t/-S work through the handover', async () => {
    icecast = await Icecast.start({ sourcePassword: 'rigpass' });
    const recordings = tempDataDir('airtight-stopall-rec-');
    const buttrc = writeStationButtrc(icecast.port, 'rigpass', [['folder = ~/recordings/', `folder = ${recordings}/`]]);
    // -x: no command server at all, so nothing but the instance handover can deliver these.
    airtight = await startAirtight({ args: ['-c', buttrc, '-x'] });
    const { dataDir } = airtight;
    expect(await icecast.waitForMount('/butt.mp3', true, 10_000)).toBe(true);

    const record = await secondLaunch(dataDir, '-r');
    expect(record).toMatchObject({ code: 0 });
    expect(record.out).toMatch(/Recording started/);
    let status = '';
    expect(
      await waitUntilAsync(async () => {
        status = (await secondLaunch(dataDir, '-S')).out;
        // 'connected' only after the stream outlived its confirm window (a server that accepts
        // and then drops the source is never reported connected), so wait for it as well.
        return statusField(status, 'connected') === '1' && statusField(status, 'recording') === '1' && Number(statusField(status, 'record seconds')) >= 1;
      }, 10_000),
    ).toBe(true);
    expect(statusField(status, 'connected')).toBe('1');
    const recordPath = statusField(status, 'record path')!;
    expect(recordPath.startsWith(recordings)).toBe(true);

    const stop = await secondLaunch(dataDir, '--stop-all');
    expect(stop.code).toBe(0);
    expect(stop.out).toMatch(/Stop all: streaming stopped, recording stopped, aes67 was off/);
    expect(await icecast.waitForMount('/butt.mp3', false, 5000)).toBe(true);
    const after = (await secondLaunch(dataDir, '-S')).out;
    expect(statusField(after, 'connected')).toBe('0');
    expect(statusField(after, 'connecting')).toBe('0');
    expect(statusField(after, 'recording')).toBe('0');

    // The recording was finished, not cut: ffmpeg decodes it to the end without an error.
    const decoded = spawnSync('ffmpeg', ['-v', 'error', '-i', recordPath, '-f', 'null', '-'], { encoding: 'utf8', timeout: 20_000 });
    expect(decoded.status).toBe(0);
    expect(decoded.stderr).toBe('');
    const probed = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', recordPath], { encoding: 'utf8' });
    expect(Number(probed.stdout.trim())).toBeGreaterThan(0.9);

    // Still running: host and engine, and the stream does not come back on its own.
    await new Promise((r) => setTimeout(r, 1500));
    expect(isPresent(airtight.pid)).toBe(true);
    expect(isPresent(airtight.enginePid)).toBe(true);
    expect(await icecast.mounts()).not.toContain('/butt.mp3');

    // A refused command says why and fails (exit code 1), here and in the operator log.
    const unknownServer = await secondLaunch(dataDir, '-s', 'NoSuchServer');
    expect(unknownServer.code).toBe(1);
    expect(unknownServer.out).toMatch(/No server named "NoSuchServer"/);
    // -s and -d through the same handover.
    expect((await secondLaunch(dataDir, '-s')).code).toBe(0);
    expect(await icecast.waitForMount('/butt.mp3', true, 10_000)).toBe(true);
    expect((await secondLaunch(dataDir, '-d')).code).toBe(0);
    expect(await icecast.waitForMount('/butt.mp3', false, 5000)).toBe(true);
    // -r then -t.
    expect((await secondLaunch(dataDir, '-r')).code).toBe(0);
    expect(statusField((await secondLaunch(dataDir, '-S')).out, 'recording')).toBe('1');
    const stopRecording = await secondLaunch(dataDir, '-t');
    expect(stopRecording).toMatchObject({ code: 0 });
    expect(stopRecording.out).toMatch(/Recording stopped/);
    expect(statusField((await secondLaunch(dataDir, '-S')).out, 'recording')).toBe('0');

    const tree = treeOf(airtight.pid);
    const quit = await secondLaunch(dataDir, '--quit');
    expect(quit.code).toBe(0);
    expect((await airtight.exited).code).toBe(0);
    expect(lastReport(dataDir).trigger).toBe('second-instance');
    expect(await waitUntil(() => tree.every((p) => !isPresent(p.pid)), 3000)).toBe(true);
  });

  it('says so, and starts nothing, when no instance runs on the data dir', async () => {
    const dataDir = tempDataDir();
    const stop = await secondLaunch(dataDir, '--stop-all');
    expect(stop.code).toBe(1);
    expect(stop.out).toMatch(/No Airtight instance is running/);
  });
});

async function waitUntilAsync(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}
