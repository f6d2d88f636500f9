/**
 * A BUTT user's setup, unchanged: their .buttrc (-c) and the real Debian `butt` binary as the
 * remote control, against a headless Airtight streaming to a real Icecast. -S prints live
 * status, -s/-d connect and disconnect, -u sets the title Icecast shows, -r/-t record, -O
 * arms record-on-signal, -q quits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isPresent, lastReport, startAirtight, tempDataDir, treeOf, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
import { freePort, killTree } from '../helpers/ports';
import { Icecast } from '../helpers/icecast';
import { butt as buttClient, hasButt, statusField, writeStationButtrc } from '../helpers/butt-station';


let airtight: RunningAirtight | undefined;
let icecast: Icecast | undefined;
afterEach(async () => {
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
  await icecast?.stop();
  icecast = undefined;
});

const butt = (port: number, ...args: string[]): { code: number | null; out: string } => buttClient(port, args);

async function poll(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe.skipIf(!hasButt)('the real butt client drives Airtight', () => {
  it('connects at startup from a .buttrc, then -S, -u, -r/-t, -d, -s and -q work as with BUTT', async () => {
    icecast = await Icecast.start({ sourcePassword: 'rigpass' });
    const recordings = tempDataDir('airtight-butt-rec-');
    const buttrc = writeStationButtrc(icecast.port, 'rigpass', [['folder = ~/recordings/', `folder = ${recordings}/`]]);
    const controlPort = await freePort('tcp');
    airtight = await startAirtight({ args: ['-c', buttrc, '-p', String(controlPort)] });
    expect(airtight.output()).toMatch(/Using BUTT config .*station\.buttrc for this run \(1 servers\)/);

    // connect_at_startup = 1: the mount appears without any command.
    expect(await icecast.waitForMount('/butt.mp3', true, 10_000)).toBe(true);
    expect(await poll(() => statusField(butt(controlPort, '-S').out, 'connected') === '1', 5000)).toBe(true);

    const title = 'Café — Ünïcödé ♫';
    expect(butt(controlPort, '-u', title).code).toBe(0);
    const titled = await poll(async () => {
      const status = await icecast!.status();
      const sources = status?.source === undefined ? [] : Array.isArray(status.source) ? status.source : [status.source];
      return sources.some((s) => s.title === title);
    }, 10_000);
    expect(titled).toBe(true);
    expect(statusField(butt(controlPort, '-S').out, 'song')).toBe(title);

    expect(butt(controlPort, '-r').code).toBe(0);
    await new Promise((r) => setTimeout(r, 2200));
    const recording = butt(controlPort, '-S').out;
    expect(statusField(recording, 'recording')).toBe('1');
    expect(Number(statusField(recording, 'record seconds'))).toBeGreaterThanOrEqual(1);
    const recordPath = statusField(recording, 'record path')!;
    expect(recordPath.startsWith(recordings)).toBe(true);
    expect(butt(controlPort, '-t').code).toBe(0);
    expect(await poll(() => statusField(butt(controlPort, '-S').out, 'recording') === '0', 5000)).toBe(true);

    expect(butt(controlPort, '-d').code).toBe(0);
    expect(await icecast.waitForMount('/butt.mp3', false, 10_000)).toBe(true);
    expect(butt(controlPort, '-s', 'rig').code).toBe(0);
    expect(await icecast.waitForMount('/butt.mp3', true, 10_000)).toBe(true);

    // -O: record after 1 s of signal (the tone is signal): the automation starts a recording.
    expect(butt(controlPort, '-O', '1').code).toBe(0);
    expect(await poll(() => statusField(butt(controlPort, '-S').out, 'recording') === '1', 6000)).toBe(true);
    expect(butt(controlPort, '-O', '0').code).toBe(0);
    expect(butt(controlPort, '-t').code).toBe(0);

    const tree = treeOf(airtight.pid);
    expect(butt(controlPort, '-q').code).toBe(0);
    const exit = await airtight.exited;
    expect(exit.code).toBe(0);
    const report = lastReport(airtight.dataDir);
    expect(report.trigger).toBe('control-port');
    expect(report.clean).toBe(true);
    expect(report.engine?.resources.find((r) => r.kind === 'tcp-socket')?.outcome).toBe('closed');
    expect(await waitUntil(() => tree.every((p) => !isPresent(p.pid)), 2000)).toBe(true);
    // The server saw the source leave before the app was gone.
    expect(await icecast.waitForMount('/butt.mp3', false, 5000)).toBe(true);
  });
});
