import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AudioFormat } from '../../main/engine/audio/audio-format';
import { ResourceRegistry } from '../../main/engine/resource-registry';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { AppErrorException } from '../../main/shared/errors';
import type { Encoder } from '../../main/engine/audio/encoder';
import { Recorder, type RecorderEvent } from '../../main/engine/recorder/recorder';
import { WavEncoder } from '../../main/engine/recorder/wav-encoder';
import { decode, expectedS32, firstDifference, makeTempDir, probe, pythonWaveFrames, testSignal, wavHeaderSizes } from './helpers';
import { RawTestEncoder } from './raw-test-encoder';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0).reverse()) clean();
});

function tempDir(): string {
  const temp = makeTempDir('fail');
  cleanups.push(temp.remove);
  return temp.dir;
}

/** Collects anything that escapes to the process while `run` executes. */
async function noEscapes(run: () => Promise<void>): Promise<unknown[]> {
  const escaped: unknown[] = [];
  const onError = (error: unknown): void => void escaped.push(error);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let late rejections surface
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
  return escaped;
}

const format: AudioFormat = { sampleRate: 48000, channels: 2 };
const wav = (): WavEncoder => new WavEncoder({ format, sampleFormat: 'int16' });

/** A fresh folder on a 256 KiB tmpfs (unmounted after the test), or why there cannot be one. */
function smallDisk(): string | { skip: string } {
  const dir = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    return { skip: `cannot mount a small tmpfs here (${String(error).split('\n')[0]})` };
  }
  cleanups.push(() => execFileSync('umount', [dir]));
  return dir;
}

const DISK_BLOCK_FRAMES = 4800; // 100 ms

interface FullDiskRun {
  events: RecorderEvent[];
  /** 100 ms blocks offered before the recorder stopped taking them. */
  blocks: number;
  path: string;
  /** The error code stop() reported ('' for none). */
  summaryError: string;
  /** What reached the process as uncaught errors or rejections. */
  escaped: unknown[];
}

/**
 * Records `signal` into `dir` in 100 ms blocks until the recorder stops (the small disk is full;
 * bounded: at most 100 blocks), then stops it. `writeAfterFailure`: one more write, which must
 * be ignored without a throw.
 */
async function recordUntilFull(dir: string, createEncoder: () => Encoder | Promise<Encoder>, signal: Float32Array, options: { writeAfterFailure?: boolean } = {}): Promise<FullDiskRun> {
  const run: FullDiskRun = { events: [], blocks: 0, path: '', summaryError: '', escaped: [] };
  run.escaped = await noEscapes(async () => {
    const started = await Recorder.start({
      format,
      createEncoder,
      fileName: { folder: dir, fileName: 'full' },
      existingFile: 'overwrite',
      onEvent: (event) => run.events.push(event),
    });
    if (!started.ok) throw new Error(started.error.message);
    const recorder = started.recorder;
    run.path = recorder.currentPath;
    for (; run.blocks < 100 && recorder.isRecording; run.blocks++) {
      recorder.write(signal.subarray(run.blocks * DISK_BLOCK_FRAMES * 2, (run.blocks + 1) * DISK_BLOCK_FRAMES * 2));
      await recorder.written();
    }
    if (options.writeAfterFailure) recorder.write(signal.subarray(0, 100));
    const summary = await recorder.stop();
    run.summaryError = summary.error?.code ?? '';
  });
  return run;
}

describe('recorder failures', () => {
  it('disk full: stops with a clear error, the WAV is valid up to what fit, nothing escapes', async ({ skip }) => {
    const dir = smallDisk();
    if (typeof dir !== 'string') {
      console.log(`skipping the disk-full test: ${dir.skip}`);
      skip(dir.skip);
      return;
    }

    // 256 KiB holds about 1.3 s of 16-bit stereo: fill it (at most 10 s of audio).
    const signal = testSignal(100 * DISK_BLOCK_FRAMES, 2, 48000);
    const { events, blocks, path, summaryError, escaped } = await recordUntilFull(dir, wav, signal, { writeAfterFailure: true });
    expect(escaped).toEqual([]);
    expect(blocks).toBeLessThan(100);
    const failed = events.find((event) => event.type === 'failed');
    expect(failed?.type === 'failed' && failed.error.code).toBe('RECORDER_DISK_FULL');
    expect(failed?.type === 'failed' && failed.error.message).toMatch(/The disk is full: recording to ".*full\.wav" stopped/);
    expect(summaryError).toBe('RECORDER_DISK_FULL');
    expect(events.filter((event) => event.type === 'failed')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('stopped');

    const size = statSync(path).size;
    const header = new WavEncoder({ format, sampleFormat: 'int16' }).headerBytes;
    const framesInFile = Math.floor((size - header) / 4);
    expect(framesInFile).toBeGreaterThan(48000); // well over a second made it
    console.log(`disk full: ${size} bytes on a 256 KiB tmpfs, ${(framesInFile / 48000).toFixed(3)} s of audio kept, ${blocks} blocks offered`);
    const stream = probe(path).streams[0]!;
    expect(stream.duration_ts).toBe(framesInFile);
    expect(wavHeaderSizes(path).dataSize).toBe(framesInFile * 4);
    expect(pythonWaveFrames(path)).toBe(framesInFile);
    const decoded = decode(path);
    expect(decoded.length).toBe(framesInFile * 2);
    expect(firstDifference(decoded, expectedS32(signal.subarray(0, framesInFile * 2), 16))).toBe(-1);
  });

  it('disk full while recording FLAC (the system libFLAC): a clear error, the file decodes bit-exact up to what fit', async ({ skip }) => {
    const dir = smallDisk();
    if (typeof dir !== 'string') {
      console.log(`skipping the disk-full test: ${dir.skip}`);
      skip(dir.skip);
      return;
    }

    const signal = testSignal(100 * DISK_BLOCK_FRAMES, 2, 48000);
    let implementation = '';
    const flac = async (): Promise<Encoder> => {
      const made = await createEncoder({ codec: 'flac', bitDepth: 16, compression: 5 }, format, 'system');
      if (!made.ok) throw new AppErrorException(made.error);
      implementation = made.encoder.implementation;
      return made.encoder;
    };
    const { events, blocks, path, escaped } = await recordUntilFull(dir, flac, signal);
    expect(escaped).toEqual([]);
    expect(implementation).toMatch(/^libFLAC\.so\.12 /);
    expect(blocks).toBeLessThan(100);
    const failed = events.filter((event) => event.type === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.type === 'failed' && failed[0].error.code).toBe('RECORDER_DISK_FULL');
    expect(events.at(-1)?.type).toBe('stopped');
    // FLAC frames up to the full disk (the decoder drops the one cut short): exactly the start of the signal.
    const decoded = decode(path);
    const frames = decoded.length / 2;
    console.log(`disk full (FLAC): ${statSync(path).size} bytes on a 256 KiB tmpfs, ${(frames / 48000).toFixed(3)} s of audio kept, ${blocks} blocks offered`);
    expect(frames).toBeGreaterThan(48000);
    expect(firstDifference(decoded, expectedS32(signal.subarray(0, frames * 2), 16))).toBe(-1);
  });

  it('when the disk falls behind, input is dropped before encoding, counted and reported once per episode', async () => {
    const dir = tempDir();
    const events: RecorderEvent[] = [];
    const started = await Recorder.start({
      format,
      createEncoder: wav,
      fileName: { folder: dir, fileName: 'slow' },
      existingFile: 'overwrite',
      maxQueuedBytes: 1, // anything still waiting for the disk counts as "behind"
      onEvent: (event) => events.push(event),
    });
    if (!started.ok) throw new Error(started.error.message);
    const recorder = started.recorder;
    const block = (n: number): Float32Array => testSignal(1000, 2, 48000, n * 1000);
    // A synchronous burst: the first block is still being written when the others arrive.
    for (let n = 0; n < 10; n++) recorder.write(block(n));
    expect(recorder.stats.droppedFrames).toBe(9000);
    await recorder.written();
    recorder.write(block(10)); // the disk caught up: accepted again
    const summary = await recorder.stop();
    expect(summary.droppedFrames).toBe(9000);
    expect(summary.frames).toBe(2000);
    const overflows = events.filter((event) => event.type === 'overflow');
    expect(overflows).toHaveLength(1);
    expect(overflows[0]!.type === 'overflow' && overflows[0]!.warning.code).toBe('RECORDER_OVERFLOW');
    const expected = new Float32Array(4000);
    expected.set(block(0));
    expected.set(block(10), 2000);
    expect(firstDifference(decode(summary.parts[0]!.path), expectedS32(expected, 16))).toBe(-1);
  });

  it('an encoder that throws stops the recording with an error; what was encoded stays', async () => {
    const dir = tempDir();
    const events: RecorderEvent[] = [];
    const encoders: RawTestEncoder[] = [];
    const escaped = await noEscapes(async () => {
      const started = await Recorder.start({
        format,
        createEncoder: () => {
          const encoder = new RawTestEncoder(format, 3000);
          encoders.push(encoder);
          return encoder;
        },
        fileName: { folder: dir, fileName: 'broken' },
        existingFile: 'overwrite',
        onEvent: (event) => events.push(event),
      });
      if (!started.ok) throw new Error(started.error.message);
      for (let n = 0; n < 6; n++) started.recorder.write(testSignal(1000, 2, 48000, n * 1000));
      const summary = await started.recorder.stop();
      expect(summary.error?.code).toBe('RECORDER_ENCODER_FAILED');
    });
    expect(escaped).toEqual([]);
    expect(events.map((event) => event.type)).toEqual(['part-opened', 'failed', 'part-closed', 'stopped']);
    expect(statSync(join(dir, 'broken.raw')).size).toBe(3000 * 4);
    expect(encoders.map((encoder) => encoder.closed)).toEqual([1]);
  });

  it('a file that cannot be opened is a start error, not an exception', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-folder'), '');
    const started = await Recorder.start({
      format,
      createEncoder: wav,
      fileName: { folder: join(dir, 'not-a-folder', 'sub'), fileName: 'x' },
      existingFile: 'overwrite',
    });
    expect(started.ok).toBe(false);
    if (!started.ok) {
      expect(started.error.code).toBe('RECORDER_OPEN_FAILED');
      expect(started.error.message).toContain('not-a-folder');
    }
    const badName = await Recorder.start({ format, createEncoder: wav, fileName: { folder: dir, fileName: 'rec_%c' }, existingFile: 'overwrite' });
    expect(badName.ok ? '' : badName.error.code).toBe('RECORDER_FILE_NAME');
  });

  it('the header is valid while recording (ffprobe mid-recording sees what was written)', async () => {
    const dir = tempDir();
    const started = await Recorder.start({ format, createEncoder: wav, fileName: { folder: dir, fileName: 'live' }, existingFile: 'overwrite' });
    if (!started.ok) throw new Error(started.error.message);
    const recorder = started.recorder;
    for (let n = 0; n < 5; n++) recorder.write(testSignal(4800, 2, 48000, n * 4800));
    await recorder.written();
    expect(probe(recorder.currentPath).streams[0]!.duration_ts).toBe(24000);
    expect(wavHeaderSizes(recorder.currentPath).dataSize).toBe(24000 * 4);
    recorder.write(testSignal(4800, 2, 48000, 24000));
    await recorder.written();
    expect(pythonWaveFrames(recorder.currentPath)).toBe(28800);
    expect(wavHeaderSizes(recorder.currentPath).dataSize).toBe(28800 * 4);
    await recorder.stop();
  });

  it('registers with the resource registry and is closed (finalized) by a shutdown', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rec'));
    const registry = new ResourceRegistry();
    const started = await Recorder.start({
      format,
      createEncoder: wav,
      fileName: { folder: join(dir, 'rec'), fileName: 'shutdown' },
      existingFile: 'overwrite',
      registry,
    });
    if (!started.ok) throw new Error(started.error.message);
    expect(registry.list().map((entry) => [entry.stage, entry.kind, entry.label])).toEqual([
      ['recorder', 'file', `recording ${join(dir, 'rec', 'shutdown.wav')}`],
    ]);
    started.recorder.write(testSignal(12000, 2, 48000));
    const results = await registry.closeAll(2000);
    expect(results.map((result) => result.outcome)).toEqual(['closed']);
    expect(started.recorder.isRecording).toBe(false);
    expect(registry.list()).toEqual([]);
    expect(probe(join(dir, 'rec', 'shutdown.wav')).streams[0]!.duration_ts).toBe(12000);
  });
});
