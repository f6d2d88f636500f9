import { appendFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AudioFormat } from '../../main/engine/audio/audio-format';
import { Recorder, type RecorderOptions, type StartResult } from '../../main/engine/recorder/recorder';
import { WavEncoder } from '../../main/engine/recorder/wav-encoder';
import { decode, expectedS32, feedInBlocks, firstDifference, makeTempDir, probe, testSignal } from './helpers';
import { RawTestEncoder } from './raw-test-encoder';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
});

function tempDir(): string {
  const temp = makeTempDir('policy');
  cleanups.push(temp.remove);
  return temp.dir;
}

const format: AudioFormat = { sampleRate: 16000, channels: 2 };
const wav = (): WavEncoder => new WavEncoder({ format, sampleFormat: 'int16' });

async function recordInto(options: Partial<RecorderOptions> & Pick<RecorderOptions, 'fileName' | 'existingFile'>, signal: Float32Array): Promise<string> {
  const started: StartResult = await Recorder.start({ format, createEncoder: wav, ...options });
  if (!started.ok) throw new Error(started.error.message);
  feedInBlocks(signal, 2, 700, (block) => started.recorder.write(block));
  const summary = await started.recorder.stop();
  expect(summary.error).toBeUndefined();
  return summary.parts[0]!.path;
}

describe('existing-file policies', () => {
  it('overwrite replaces the old file completely', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'show.wav'), Buffer.alloc(500_000, 7));
    const signal = testSignal(8000, 2, 16000);
    const path = await recordInto({ fileName: { folder: dir, fileName: 'show.wav' }, existingFile: 'overwrite' }, signal);
    expect(path).toBe(join(dir, 'show.wav'));
    expect(statSync(path).size).toBe(new WavEncoder({ format, sampleFormat: 'int16' }).headerBytes + 8000 * 4);
    expect(firstDifference(decode(path), expectedS32(signal, 16))).toBe(-1);
  });

  it('new index keeps the old file and takes the first free index', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'show.wav'), 'old');
    writeFileSync(join(dir, 'show-1.wav'), 'old too');
    const signal = testSignal(1600, 2, 16000);
    const path = await recordInto({ fileName: { folder: dir, fileName: 'show.mp3' }, existingFile: 'new-index' }, signal);
    expect(path).toBe(join(dir, 'show-2.wav'));
    expect(readFileSync(join(dir, 'show.wav'), 'utf8')).toBe('old');
    expect(readFileSync(join(dir, 'show-1.wav'), 'utf8')).toBe('old too');
    expect(firstDifference(decode(path), expectedS32(signal, 16))).toBe(-1);
  });

  it('append continues a WAV (even one whose last write was cut) and fixes its header', async () => {
    const dir = tempDir();
    const template = { folder: dir, fileName: 'daily' };
    const first = testSignal(16000, 2, 16000);
    const second = testSignal(8000, 2, 16000, 16000);
    const path = await recordInto({ fileName: template, existingFile: 'append' }, first);
    appendFileSync(path, Buffer.from([1, 2, 3])); // a partial frame, as a SIGKILL could leave
    expect(await recordInto({ fileName: template, existingFile: 'append' }, second)).toBe(path);
    expect(probe(path).streams[0]!.duration_ts).toBe(24000);
    const both = new Float32Array(first.length + second.length);
    both.set(first);
    both.set(second, first.length);
    expect(firstDifference(decode(path), expectedS32(both, 16))).toBe(-1);
  });

  it('append refuses a WAV of another format or with chunks after the audio, leaving it untouched', async () => {
    const dir = tempDir();
    const template = { folder: dir, fileName: 'other' };
    const path = await recordInto({ fileName: template, existingFile: 'overwrite' }, testSignal(1000, 2, 16000));
    const before = readFileSync(path);
    const started = await Recorder.start({
      format,
      createEncoder: () => new WavEncoder({ format, sampleFormat: 'int24' }),
      fileName: template,
      existingFile: 'append',
    });
    expect(started.ok).toBe(false);
    if (!started.ok) {
      expect(started.error.code).toBe('RECORDER_APPEND_REFUSED');
      expect(started.error.message).toContain('16-bit');
    }
    expect(readFileSync(path).equals(before)).toBe(true);

    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([4, 0, 0, 0]), Buffer.from('INFO')]);
    appendFileSync(path, list);
    const tagged = await Recorder.start({ format, createEncoder: wav, fileName: template, existingFile: 'append' });
    expect(tagged.ok ? '' : tagged.error.message).toContain('after its audio');
  });

  it('append is refused with a message for a format that cannot be appended to, only when the file exists', async () => {
    const dir = tempDir();
    const template = { folder: dir, fileName: 'stream' };
    const options = { format, createEncoder: () => new RawTestEncoder(format), fileName: template, existingFile: 'append' as const };
    const first = await Recorder.start(options);
    if (!first.ok) throw new Error(first.error.message); // no file yet: append just creates it
    first.recorder.write(testSignal(100, 2, 16000));
    await first.recorder.stop();
    const second = await Recorder.start(options);
    expect(second.ok).toBe(false);
    if (!second.ok) {
      expect(second.error.code).toBe('RECORDER_APPEND_REFUSED');
      expect(second.error.message).toMatch(/cannot be appended to.*"overwrite" or "new index"/);
    }
    expect(statSync(join(dir, 'stream.raw')).size).toBe(400);
  });

  it('split parts never overwrite an earlier part of the same recording', async () => {
    const dir = tempDir();
    const started = await Recorder.start({
      format,
      createEncoder: wav,
      fileName: { folder: dir, fileName: 'fixed' },
      existingFile: 'overwrite',
      split: { everyMs: 250 },
    });
    if (!started.ok) throw new Error(started.error.message);
    const signal = testSignal(12000, 2, 16000);
    feedInBlocks(signal, 2, 1000, (block) => started.recorder.write(block));
    const summary = await started.recorder.stop();
    expect(summary.parts.map((part) => part.path)).toEqual(['fixed.wav', 'fixed-1.wav', 'fixed-2.wav'].map((name) => join(dir, name)));
    expect(readdirSync(dir).sort()).toEqual(['fixed-1.wav', 'fixed-2.wav', 'fixed.wav']);
  });
});
