/**
 * Streaming and recording together through the whole app: the server dies and comes back,
 * streaming resumes by itself, the recording never notices; listener counts and titles reach
 * BUTT's status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startAirtight, tempDataDir, type RunningAirtight } from '../helpers/airtight-process';
import { freePort, killTree } from '../helpers/ports';
import { Icecast } from '../helpers/icecast';
import { butt as buttClient, hasButt, statusField as field, writeStationButtrc } from '../helpers/butt-station';
import { decode, measureTone } from '../encoders/audio-check';


let airtight: RunningAirtight | undefined;
let icecast: Icecast | undefined;
afterEach(async () => {
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
  await icecast?.stop();
  icecast = undefined;
});

const butt = (port: number, ...args: string[]): string => buttClient(port, args).out;

describe.skipIf(!hasButt)('streaming through the app', () => {
  it('Icecast killed and restarted: streaming resumes within 2 s, the recording alongside has no gap', async () => {
    icecast = await Icecast.start({ sourcePassword: 'rigpass' });
    const recordings = tempDataDir('airtight-rec-');
    const buttrc = writeStationButtrc(icecast.port, 'rigpass', [
      ['rec_after_launch = 0', 'rec_after_launch = 1'],
      ['codec = mp3\nstart_rec', 'codec = wav\nstart_rec'],
      ['folder = ~/recordings/', `folder = ${recordings}/`],
    ]);
    const controlPort = await freePort('tcp');
    airtight = await startAirtight({ args: ['-c', buttrc, '-p', String(controlPort)] });
    expect(await icecast.waitForMount('/butt.mp3', true, 10_000)).toBe(true);
    const recordStart = performance.now();

    // A listener: BUTT's status shows the count.
    const listener = request(icecast.url('/butt.mp3'));
    listener.on('response', (res) => res.resume());
    listener.on('error', () => undefined);
    listener.end();
    let listeners = '';
    for (let i = 0; i < 40 && listeners !== '1'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      listeners = field(butt(controlPort, '-S'), 'listeners') ?? '';
    }
    expect(listeners).toBe('1');
    listener.destroy();

    await icecast.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await icecast.launch();
    const back = performance.now();
    expect(await icecast.waitForMount('/butt.mp3', true, 10_000)).toBe(true);
    const resumedMs = performance.now() - back;
    console.log(`streaming resumed ${Math.round(resumedMs)} ms after Icecast was back (polled every 100 ms)`);
    expect(resumedMs).toBeLessThan(2000 + 500); // the bound, plus the poll interval and Icecast's own start

    butt(controlPort, '-t');
    const stopped = performance.now();
    let status = '';
    for (let i = 0; i < 50 && field(status, 'recording') !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = butt(controlPort, '-S');
    }
    const path = field(status, 'record path')!;
    const audio = decode(path, 44100);
    const seconds = audio.length / 2 / 44100;
    const wall = (stopped - recordStart) / 1000;
    // Every second of the outage is in the file: its length follows the wall clock.
    expect(seconds).toBeGreaterThan(wall - 0.5);
    expect(seconds).toBeLessThan(wall + 1.5);
    const tone = measureTone(audio, 44100);
    expect(tone.hz[0]).toBeCloseTo(997, 0);
    expect(tone.toneOverNeighboursDb[0]).toBeGreaterThan(30);
    butt(controlPort, '-q');
    expect((await airtight.exited).code).toBe(0);
  });
});
