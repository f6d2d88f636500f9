/**
 * The machine's libFLAC in worker threads (the recorder and the stream encoders run there):
 * koffi is loaded and the write/metadata callbacks registered per thread. Threads encode at the
 * same time as the main thread, end with an encoder still open, or (the engine's own recording
 * and encoder threads) are stopped past their deadline in the middle of an encode and
 * terminated through their native call guard (issue #3: a thread terminated inside a koffi call
 * aborts the process); the process must survive all of it and every finished file must decode
 * bit-exact.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { quantize } from '../../main/engine/audio/encoders/pcm';
import { TempDir, decode, run, sine, writeBytes } from './audio-check';
import { RecordSettingsSchema } from '../../main/settings/audio-settings-schema';
import { finished, onlyRefusals, startThread, stopLaneMidEncode, type ThreadJob } from './encoder-thread';

const RATE = 44100;
const tmp = new TempDir();
afterAll(() => tmp.remove());

type FlacCodec = 'flac' | 'ogg-flac';
const flacJob = (seconds: number, codec: FlacCodec, leaveOpen = false): ThreadJob => ({ seconds, rate: RATE, settings: { codec, bitDepth: 16, compression: 5 }, leaveOpen });

function expectBitExact(bytes: Uint8Array, codec: FlacCodec, seconds: number, name: string): void {
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
  it('threads encode beside the main thread, end with an encoder open, or are stopped past their deadline mid-encode (the engine\'s threads, through the guard); the process goes on', async () => {
    const codecs: FlacCodec[] = ['flac', 'ogg-flac', 'flac'];
    const jobs = codecs.map((codec, i) => flacJob(2, codec, i === 2));
    const threads = jobs.map((job) => finished(startThread(job)));
    // Three more: the engine's recording thread (FLAC) and stream encoder threads (FLAC, Ogg
    // FLAC), each given 240 s of audio and stopped with a 20 ms deadline at a different moment
    // while they encode it: most of that time is spent inside libFLAC, which calls back into JS
    // for every frame it writes.
    const format = { sampleRate: RATE, channels: 2 };
    const doomed = [
      stopLaneMidEncode({ kind: 'record', job: { format, settings: RecordSettingsSchema.parse({ codec: 'flac', folder: tmp.path, fileName: 'doomed.flac' }) } }, 240, 20),
      stopLaneMidEncode({ kind: 'encode', job: { format, settings: { codec: 'flac', bitDepth: 16, compression: 5 } } }, 240, 55),
      stopLaneMidEncode({ kind: 'encode', job: { format, settings: { codec: 'ogg-flac', bitDepth: 16, compression: 5 } } }, 240, 90),
    ];

    // The main thread encodes meanwhile with its own koffi registrations.
    const made = await createEncoder({ codec: 'flac' }, { sampleRate: RATE, channels: 2 }, 'system');
    if (!made.ok) throw new Error(made.error.message);
    const input = sine(2, RATE);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 2048) for (const c of made.encoder.encode(input.subarray(at, at + 2048))) parts.push(c.bytes);
    for (const c of made.encoder.flush()) parts.push(c.bytes);
    const mainBytes = Buffer.concat(parts);
    for (const patch of made.encoder.finalPatches()) mainBytes.set(patch.bytes, patch.offset);

    // Terminated mid-stream, not crashed: a crash (koffi aborting in a callback) would end this process.
    for (const stopped of await Promise.all(doomed)) {
      expect(stopped.implementation).toMatch(/^libFLAC\.so\.12 /);
      expect(stopped.inFlightAtStop).toBeGreaterThan(0);
      expect(stopped.how).toBe('terminated');
      expect(onlyRefusals(stopped)).toEqual([]);
    }

    const results = await Promise.all(threads);
    for (const [i, result] of results.entries()) {
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(0);
      expect(result.message!.implementation).toMatch(/^libFLAC\.so\.12 \(libFLAC \d+\.\d+\.\d+, system library\)$/);
      expectBitExact(result.message!.bytes, codecs[i]!, 2, `thread-${i}.${codecs[i] === 'flac' ? 'flac' : 'oga'}`);
    }

    // After all those threads ended, the main thread's encoder still works, and a new thread too.
    made.encoder.close();
    expectBitExact(mainBytes, 'flac', 2, 'main.flac');
    const again = await finished(startThread(flacJob(1, 'ogg-flac')));
    expect(again.code).toBe(0);
    expectBitExact(again.message!.bytes, 'ogg-flac', 1, 'again.oga');
  });
});
