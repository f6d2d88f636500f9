import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import type { AudioFormat } from '../../main/engine/audio/audio-format';
import { AppErrorException } from '../../main/shared/errors';
import { Recorder, msToNextHour, type RecorderOptions, type RecordingSummary } from '../../main/engine/recorder/recorder';
import { WavEncoder } from '../../main/engine/recorder/wav-encoder';
import { decode, expectedS32, feedInBlocks, firstDifference, makeTempDir, probe, testSignal } from './helpers';
import { RawTestEncoder } from './raw-test-encoder';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
});

function tempDir(): string {
  const temp = makeTempDir('split');
  cleanups.push(temp.remove);
  return temp.dir;
}

async function record(
  options: Omit<RecorderOptions, 'existingFile'> & { existingFile?: RecorderOptions['existingFile'] },
  signal: Float32Array,
  blockFrames: number,
  between?: (recorder: Recorder, block: number) => void,
): Promise<RecordingSummary> {
  const started = await Recorder.start({ existingFile: 'new-index', ...options });
  if (!started.ok) throw new Error(started.error.message);
  let block = 0;
  feedInBlocks(signal, options.format.channels, blockFrames, (samples) => {
    started.recorder.write(samples);
    between?.(started.recorder, ++block);
  });
  return started.recorder.stop();
}

function concatDecoded(paths: string[]): Int32Array {
  const decoded = paths.map((path) => decode(path) as Int32Array);
  const out = new Int32Array(decoded.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of decoded) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe('recorder splits', () => {
  const format: AudioFormat = { sampleRate: 44100, channels: 2 };
  const wav = (): WavEncoder => new WavEncoder({ format, sampleFormat: 'int16' });

  it('every 1 s: parts end and begin on the same sample; concatenated they equal the unsplit recording', async () => {
    const dir = tempDir();
    const signal = testSignal(Math.round(3.3 * 44100), 2, 44100);
    const unsplit = await record({ format, createEncoder: wav, fileName: { folder: dir, fileName: 'whole' } }, signal, 1000);
    const split = await record(
      { format, createEncoder: wav, fileName: { folder: dir, fileName: 'part_%i' }, split: { everyMs: 1000 } },
      signal,
      1000, // blocks do not line up with the 44100-frame parts: cuts fall mid-block
    );
    expect(split.error).toBeUndefined();
    expect(split.parts.map((part) => basename(part.path))).toEqual(['part_1.wav', 'part_2.wav', 'part_3.wav', 'part_4.wav']);
    expect(split.parts.map((part) => part.frames)).toEqual([44100, 44100, 44100, signal.length / 2 - 3 * 44100]);
    expect(split.parts.map((part) => probe(part.path).streams[0]!.duration_ts)).toEqual(split.parts.map((part) => part.frames));
    const joined = concatDecoded(split.parts.map((part) => part.path));
    expect(firstDifference(joined, decode(unsplit.parts[0]!.path))).toBe(-1);
    expect(firstDifference(joined, expectedS32(signal, 16))).toBe(-1);
  });

  it('splitNow() cuts between two writes, gaplessly', async () => {
    const dir = tempDir();
    const signal = testSignal(30 * 777, 2, 44100);
    const summary = await record(
      { format, createEncoder: wav, fileName: { folder: dir, fileName: 'now_%i' } },
      signal,
      777,
      (recorder, block) => {
        if (block === 7 || block === 20 || block === 21) recorder.splitNow();
      },
    );
    expect(summary.parts.map((part) => part.frames)).toEqual([7 * 777, 13 * 777, 777, 9 * 777]);
    expect(firstDifference(concatDecoded(summary.parts.map((part) => part.path)), expectedS32(signal, 16))).toBe(-1);
  });

  it('synced to the hour: the first split falls on the next full hour, then every interval', async () => {
    const dir = tempDir();
    const rate = 8000;
    const mono: AudioFormat = { sampleRate: rate, channels: 1 };
    const clock = new Date(2024, 5, 1, 10, 59, 59, 750); // local time: 250 ms before 11:00
    expect(msToNextHour(clock)).toBe(250);
    expect(msToNextHour(new Date(2024, 5, 1, 11, 0, 0, 0))).toBe(3_600_000);
    const signal = testSignal(Math.round(1.6 * rate), 1, rate);
    const summary = await record(
      {
        format: mono,
        createEncoder: () => new WavEncoder({ format: mono, sampleFormat: 'int24' }),
        fileName: { folder: dir, fileName: 'hour_%H%M_%i' },
        split: { everyMs: 500, syncToHour: true },
        now: () => clock,
      },
      signal,
      300,
    );
    expect(summary.parts.map((part) => part.frames)).toEqual([2000, 4000, 4000, 2800]);
    expect(firstDifference(concatDecoded(summary.parts.map((part) => part.path)), expectedS32(signal, 24))).toBe(-1);
  });

  it.each(['system', 'wasm'] as const)('works with any encoder: FLAC parts (%s libFLAC, async factory, STREAMINFO patched) concatenate bit-exact', async (implementation) => {
    const dir = tempDir();
    const signal = testSignal(Math.round(2.5 * 44100), 2, 44100);
    const summary = await record(
      {
        format,
        createEncoder: async () => {
          const made = await createEncoder({ codec: 'flac', bitDepth: 16, compression: 5 }, format, implementation);
          if (!made.ok) throw new AppErrorException(made.error);
          return made.encoder;
        },
        fileName: { folder: dir, fileName: 'flac_%i' },
        split: { everyMs: 1000 },
      },
      signal,
      4410,
    );
    expect(summary.error).toBeUndefined();
    expect(summary.parts.map((part) => basename(part.path))).toEqual(['flac_1.flac', 'flac_2.flac', 'flac_3.flac']);
    for (const part of summary.parts) {
      // STREAMINFO holds the real sample count once the part is finalized.
      const info = execFileSync('metaflac', ['--show-total-samples', part.path], { encoding: 'utf8' }).trim();
      expect(Number(info)).toBe(part.frames);
      // ... and the MD5 of every sample: flac -t checks it.
      execFileSync('flac', ['-t', '--silent', part.path]);
    }
    expect(firstDifference(concatDecoded(summary.parts.map((part) => part.path)), expectedS32(signal, 16))).toBe(-1);
  });

  it('a headerless test encoder splits the same way (the recorder only knows the interface)', async () => {
    const dir = tempDir();
    const signal = testSignal(10_000, 2, 44100);
    const summary = await record(
      { format, createEncoder: () => new RawTestEncoder(format), fileName: { folder: dir, fileName: 'raw_%i' }, split: { everyMs: 100 } },
      signal,
      1234,
    );
    expect(summary.parts.map((part) => part.frames)).toEqual([4410, 4410, 1180]);
    const raw = Buffer.concat(summary.parts.map((part) => readFileSync(part.path)));
    const ints = new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
    expect(firstDifference(Int32Array.from(ints, (v) => v * 65536), expectedS32(signal, 16))).toBe(-1);
  });
});
