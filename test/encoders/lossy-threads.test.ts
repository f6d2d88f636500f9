/**
 * The machine's LAME and libvorbis in worker threads (the recorder and the stream encoders run
 * there): koffi loads the libraries per thread. Threads encode beside the main thread, end with
 * an encoder still open, or are terminated in the middle of an encode; the process must survive
 * all of it and every finished stream must decode (ffmpeg) to the tone at full length.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { TONE_RMS_DB, TempDir, decode, measureTone, sine, writeBytes } from './audio-check';

const FIXTURE = join(__dirname, 'fixtures', 'lossy-in-thread.ts');
const RATE = 44100;
const tmp = new TempDir();
afterAll(() => tmp.remove());

interface ThreadJob {
  seconds: number;
  rate: number;
  codec: 'mp3' | 'vorbis';
  leaveOpen?: boolean;
}

type Done = { implementation: string; bytes: Uint8Array };

function startThread(job: ThreadJob): Worker {
  const tsx = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(FIXTURE)});`, { eval: true, workerData: job });
}

/** The thread's result and exit code, bounded in time. */
function finished(worker: Worker, timeoutMs = 30_000): Promise<{ message?: Done; code: number; error?: Error }> {
  return new Promise((resolve) => {
    let message: Done | undefined;
    let error: Error | undefined;
    const timer = setTimeout(() => void worker.terminate(), timeoutMs);
    worker.on('message', (m: Done | { encoding: true }) => {
      if ('bytes' in m) message = m;
    });
    worker.on('error', (e) => (error = e));
    worker.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ message, code, error });
    });
  });
}

function expectTone(bytes: Uint8Array, codec: 'mp3' | 'vorbis', seconds: number, name: string): void {
  const file = tmp.file(name);
  writeBytes(file, bytes);
  const decoded = decode(file, RATE);
  const frames = decoded.length / 2;
  // Vorbis trims to the input exactly; a stream MP3 keeps LAME's delay and the last frame's padding.
  if (codec === 'vorbis') {
    expect(frames).toBe(seconds * RATE);
  } else {
    expect(frames - seconds * RATE).toBeGreaterThanOrEqual(0);
    expect(frames - seconds * RATE).toBeLessThanOrEqual(1105 + 1152);
  }
  const tone = measureTone(decoded, RATE);
  expect(Math.abs(tone.hz[0]! - 997)).toBeLessThan(1);
  expect(Math.abs(tone.rmsDb[0]! - TONE_RMS_DB)).toBeLessThan(0.5);
}

const LIBRARY = { mp3: /^libmp3lame\.so\.0 \(LAME 3\.\d+, system library\)$/, vorbis: /^libvorbisenc\.so\.2 \(Xiph\.Org libVorbis [\d.]+, system library\)$/ };

describe('LAME and libvorbis (system) in worker threads', () => {
  it('threads encode beside the main thread, end with an encoder open or are terminated mid-encode; the process goes on', async () => {
    const jobs: ThreadJob[] = [
      { seconds: 2, rate: RATE, codec: 'mp3' },
      { seconds: 2, rate: RATE, codec: 'vorbis' },
      { seconds: 2, rate: RATE, codec: 'mp3', leaveOpen: true },
      { seconds: 2, rate: RATE, codec: 'vorbis', leaveOpen: true },
    ];
    const threads = jobs.map((job) => finished(startThread(job)));
    // Two more, terminated while they encode a long stretch.
    const doomed = (['mp3', 'vorbis'] as const).map((codec) => {
      const worker = startThread({ seconds: 300, rate: RATE, codec });
      const end = finished(worker);
      const encoding = new Promise<void>((resolve) => worker.on('message', (m: { encoding?: true }) => m.encoding && resolve()));
      return { worker, end, encoding };
    });

    // The main thread encodes meanwhile with its own bindings.
    const mainBytes: Record<'mp3' | 'vorbis', Uint8Array> = { mp3: new Uint8Array(0), vorbis: new Uint8Array(0) };
    for (const codec of ['mp3', 'vorbis'] as const) {
      const made = await createEncoder({ codec }, { sampleRate: RATE, channels: 2 }, 'system');
      if (!made.ok) throw new Error(made.error.message);
      const input = sine(2, RATE);
      const parts: Uint8Array[] = [];
      for (let at = 0; at < input.length; at += 2048) for (const c of made.encoder.encode(input.subarray(at, at + 2048))) parts.push(c.bytes);
      for (const c of made.encoder.flush()) parts.push(c.bytes);
      made.encoder.close();
      mainBytes[codec] = Buffer.concat(parts);
    }

    for (const d of doomed) {
      await d.encoding;
      await new Promise((r) => setTimeout(r, 50)); // inside its encode loop (300 s of audio take far longer)
      await d.worker.terminate();
      expect((await d.end).code).toBe(1); // terminated, not crashed (a crash would end this process)
    }

    const results = await Promise.all(threads);
    for (const [i, result] of results.entries()) {
      const job = jobs[i]!;
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(0);
      expect(result.message!.implementation).toMatch(LIBRARY[job.codec]);
      expectTone(result.message!.bytes, job.codec, 2, `thread-${i}.${job.codec === 'mp3' ? 'mp3' : 'ogg'}`);
    }
    expectTone(mainBytes.mp3, 'mp3', 2, 'main.mp3');
    expectTone(mainBytes.vorbis, 'vorbis', 2, 'main.ogg');

    // After all those threads ended, a new thread still loads and encodes.
    const again = await finished(startThread({ seconds: 1, rate: RATE, codec: 'vorbis' }));
    expect(again.code).toBe(0);
    expectTone(again.message!.bytes, 'vorbis', 1, 'again.ogg');
  });
});
