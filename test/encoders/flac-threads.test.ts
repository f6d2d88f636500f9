/**
 * The machine's libFLAC in worker threads (the recorder and the stream encoders run there):
 * koffi is loaded and the write/metadata callbacks registered per thread. Threads encode at the
 * same time as the main thread, end with an encoder still open, or are terminated in the middle
 * of an encode; the process must survive all of it and every finished file must decode bit-exact.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { quantize } from '../../main/engine/audio/encoders/pcm';
import { TempDir, decode, run, sine, writeBytes } from './audio-check';

const FIXTURE = join(__dirname, 'fixtures', 'flac-in-thread.ts');
const RATE = 44100;
const tmp = new TempDir();
afterAll(() => tmp.remove());

interface ThreadJob {
  seconds: number;
  rate: number;
  codec: 'flac' | 'ogg-flac';
  leaveOpen?: boolean;
}

function startThread(job: ThreadJob): Worker {
  const tsx = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(FIXTURE)});`, { eval: true, workerData: job });
}

/** The thread's message and exit code, bounded in time. */
function finished(worker: Worker, timeoutMs = 30_000): Promise<{ message?: { implementation: string; bytes: Uint8Array }; code: number; error?: Error }> {
  return new Promise((resolve) => {
    let message: { implementation: string; bytes: Uint8Array } | undefined;
    let error: Error | undefined;
    const timer = setTimeout(() => void worker.terminate(), timeoutMs);
    worker.on('message', (m: { implementation: string; bytes: Uint8Array } | { encoding: true }) => {
      if ('bytes' in m) message = m;
    });
    worker.on('error', (e) => (error = e));
    worker.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ message, code, error });
    });
  });
}

function expectBitExact(bytes: Uint8Array, codec: 'flac' | 'ogg-flac', seconds: number, name: string): void {
  const file = tmp.file(name);
  writeBytes(file, bytes);
  const test = run('flac', codec === 'ogg-flac' ? ['-t', '--ogg', file] : ['-t', file]);
  expect(test.code, test.out).toBe(0);
  const decoded = decode(file, RATE);
  const quantized = quantize(sine(seconds, RATE), 16);
  expect(decoded.length).toBe(quantized.length);
  let mismatches = 0;
  for (let i = 0; i < decoded.length; i++) if (Math.round(decoded[i]! * 32768) !== quantized[i]) mismatches++;
  expect(mismatches).toBe(0);
}

describe('libFLAC (system) in worker threads', () => {
  it('threads encode beside the main thread, end with an encoder open or are terminated mid-encode; the process goes on', async () => {
    const jobs: ThreadJob[] = [
      { seconds: 2, rate: RATE, codec: 'flac' },
      { seconds: 2, rate: RATE, codec: 'ogg-flac' },
      { seconds: 2, rate: RATE, codec: 'flac', leaveOpen: true },
    ];
    const threads = jobs.map((job) => finished(startThread(job)));
    // Three more, terminated at different moments while they encode a long stretch: most of that
    // time is spent inside libFLAC, which calls back into JS for every frame it writes.
    const doomed = [20, 55, 90].map((delayMs) => {
      const worker = startThread({ seconds: 120, rate: RATE, codec: 'flac' });
      const end = finished(worker);
      const encoding = new Promise<void>((resolve) => worker.on('message', (m: { encoding?: true }) => m.encoding && resolve()));
      return { worker, end, encoding, delayMs };
    });

    // The main thread encodes meanwhile with its own koffi registrations.
    const made = await createEncoder({ codec: 'flac' }, { sampleRate: RATE, channels: 2 }, 'system');
    if (!made.ok) throw new Error(made.error.message);
    const input = sine(2, RATE);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 2048) for (const c of made.encoder.encode(input.subarray(at, at + 2048))) parts.push(c.bytes);
    for (const c of made.encoder.flush()) parts.push(c.bytes);
    const mainBytes = Buffer.concat(parts);
    for (const patch of made.encoder.finalPatches()) mainBytes.set(patch.bytes, patch.offset);

    await Promise.all(
      doomed.map(async ({ worker, encoding, delayMs }) => {
        await encoding;
        await new Promise((r) => setTimeout(r, delayMs)); // inside the encode loop (120 s of audio take far longer)
        await worker.terminate();
      }),
    );
    // Terminated, not crashed: a crash (koffi aborting in a callback) would end this process.
    for (const { end } of doomed) expect((await end).code).toBe(1);

    const results = await Promise.all(threads);
    for (const [i, result] of results.entries()) {
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(0);
      expect(result.message!.implementation).toMatch(/^libFLAC\.so\.12 \(libFLAC \d+\.\d+\.\d+, system library\)$/);
      expectBitExact(result.message!.bytes, jobs[i]!.codec, 2, `thread-${i}.${jobs[i]!.codec === 'flac' ? 'flac' : 'oga'}`);
    }

    // After all those threads ended, the main thread's encoder still works, and a new thread too.
    made.encoder.close();
    expectBitExact(mainBytes, 'flac', 2, 'main.flac');
    const again = await finished(startThread({ seconds: 1, rate: RATE, codec: 'ogg-flac' }));
    expect(again.code).toBe(0);
    expectBitExact(again.message!.bytes, 'ogg-flac', 1, 'again.oga');
  });
});
