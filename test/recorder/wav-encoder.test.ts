import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../main/engine/recorder/recorder';
import { WavEncoder } from '../../main/engine/recorder/wav-encoder';
import { decode, expectedS32, feedInBlocks, firstDifference, makeTempDir, probe, testSignal } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
});

function tempDir(): string {
  const temp = makeTempDir('wav');
  cleanups.push(temp.remove);
  return temp.dir;
}

/** Encodes the whole signal straight into a file (no recorder): the encoder alone. */
function writeWav(path: string, encoder: WavEncoder, signal: Float32Array, blockFrames: number): void {
  const channels = encoder.inputFormat.channels;
  const parts: Uint8Array[] = [];
  feedInBlocks(signal, channels, blockFrames, (block) => parts.push(...encoder.encode(block).map((c) => c.bytes)));
  parts.push(...encoder.flush().map((c) => c.bytes));
  const file = Buffer.concat(parts);
  for (const patch of encoder.finalPatches()) file.set(patch.bytes, patch.offset);
  writeFileSync(path, file);
}

describe('WAV encoder', () => {
  const rate = 48000;
  const seconds = 3;
  for (const [sampleFormat, bits, codecName] of [
    ['int16', 16, 'pcm_s16le'],
    ['int24', 24, 'pcm_s24le'],
    ['int32', 32, 'pcm_s32le'],
  ] as const) {
    it(`${bits}-bit: 3 s through the recorder decode bit-exact in ffmpeg`, async () => {
      const dir = tempDir();
      const format = { sampleRate: rate, channels: 2 };
      const started = await Recorder.start({
        format,
        createEncoder: () => new WavEncoder({ format, sampleFormat }),
        fileName: { folder: dir, fileName: `sig_${bits}` },
        existingFile: 'overwrite',
      });
      if (!started.ok) throw new Error(started.error.message);
      const signal = testSignal(rate * seconds, 2, rate);
      feedInBlocks(signal, 2, 1024, (block) => started.recorder.write(block));
      const summary = await started.recorder.stop();
      expect(summary.error).toBeUndefined();
      expect(summary.frames).toBe(rate * seconds);
      const path = summary.parts[0]!.path;
      expect(path).toBe(join(dir, `sig_${bits}.wav`));
      expect(statSync(path).size).toBe(summary.bytes);

      const stream = probe(path).streams[0]!;
      expect(stream.codec_name).toBe(codecName);
      expect(stream.sample_rate).toBe(String(rate));
      expect(stream.channels).toBe(2);
      expect(stream.bits_per_sample).toBe(bits);
      expect(stream.duration_ts).toBe(rate * seconds);
      expect(firstDifference(decode(path), expectedS32(signal, bits))).toBe(-1);
    });
  }

  it('32-bit float keeps the input exactly, beyond full scale too', () => {
    const dir = tempDir();
    const format = { sampleRate: 44100, channels: 2 };
    const signal = testSignal(44100, 2, 44100);
    const path = join(dir, 'float.wav');
    writeWav(path, new WavEncoder({ format, sampleFormat: 'float32' }), signal, 999);
    const stream = probe(path).streams[0]!;
    expect(stream.codec_name).toBe('pcm_f32le');
    expect(stream.duration_ts).toBe(44100);
    const decoded = decode(path, 'f32le');
    expect(firstDifference(decoded, signal)).toBe(-1);
    expect(Math.max(...decoded.subarray(0, 4))).toBeGreaterThan(1); // frame 0 is the out-of-range one
  });

  it('odd-sized data (24-bit mono, odd frames) gets its pad byte and the right length', () => {
    const dir = tempDir();
    const format = { sampleRate: 8000, channels: 1 };
    const signal = testSignal(8001, 1, 8000);
    const path = join(dir, 'odd.wav');
    const encoder = new WavEncoder({ format, sampleFormat: 'int24' });
    writeWav(path, encoder, signal, 333);
    expect(statSync(path).size % 2).toBe(0);
    expect(statSync(path).size).toBe(encoder.headerBytes + 8001 * 3 + 1);
    expect(probe(path).streams[0]!.duration_ts).toBe(8001);
    expect(firstDifference(decode(path), expectedS32(signal, 24))).toBe(-1);
  });

  it('TPDF dither at 16 bit stays within 2 LSB, is unbiased, and is off by default', () => {
    const format = { sampleRate: 48000, channels: 1 };
    const signal = testSignal(48000, 1, 48000).map((x) => Math.max(-0.9, Math.min(0.9, x)));
    const plain = new WavEncoder({ format, sampleFormat: 'int16' }).encode(signal)[1]!.bytes;
    const dithered = new WavEncoder({ format, sampleFormat: 'int16', dither: true }).encode(signal)[1]!.bytes;
    const a = new Int16Array(plain.buffer, plain.byteOffset, plain.length / 2);
    const b = new Int16Array(dithered.buffer, dithered.byteOffset, dithered.length / 2);
    let changed = 0;
    let sum = 0;
    let maxError = 0;
    for (let i = 0; i < a.length; i++) {
      const error = b[i]! - signal[i]! * 32768;
      sum += error;
      maxError = Math.max(maxError, Math.abs(error));
      if (a[i] !== b[i]) changed++;
    }
    expect(firstDifference(a, expectedS32(signal, 16).map((v) => v / 65536))).toBe(-1);
    expect(changed).toBeGreaterThan(a.length / 4); // the dither really moved samples
    expect(maxError).toBeLessThanOrEqual(2);
    expect(Math.abs(sum / a.length)).toBeLessThan(0.02);
  });

  it('the header can describe the file after any write (what a SIGKILL leaves)', () => {
    const dir = tempDir();
    const format = { sampleRate: 16000, channels: 2 };
    const encoder = new WavEncoder({ format, sampleFormat: 'int16' });
    const signal = testSignal(16000, 2, 16000);
    const bytes = Buffer.concat(encoder.encode(signal).map((c) => c.bytes));
    // Cut in the middle of a frame: the header must claim whole frames only.
    const cut = encoder.headerBytes + 1000 * 4 + 3;
    const file = Buffer.from(bytes.subarray(0, cut));
    for (const patch of encoder.patchesForLength(cut)) file.set(patch.bytes, patch.offset);
    const path = join(dir, 'cut.wav');
    writeFileSync(path, file);
    expect(probe(path).streams[0]!.duration_ts).toBe(1000);
    expect(firstDifference(decode(path), expectedS32(signal.subarray(0, 2000), 16))).toBe(-1);
  });

  it('past 4 GiB the header becomes RF64 (checked on a sparse 5 GiB file)', () => {
    const dir = tempDir();
    const format = { sampleRate: 48000, channels: 2 };
    const encoder = new WavEncoder({ format, sampleFormat: 'int16' });
    const path = join(dir, 'big.wav');
    const frames = Math.floor((5 * 2 ** 30) / 4);
    const header = encoder.encode(testSignal(1, 2, 48000))[0]!.bytes;
    const size = encoder.headerBytes + frames * 4;
    // Pretend the encoder produced all of it (the sparse file holds zeros): what matters is the header.
    (encoder as unknown as { newData: number }).newData = frames * 4;
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, header, 0, header.length, 0);
      for (const patch of encoder.patchesForLength(size)) writeSync(fd, patch.bytes, 0, patch.bytes.length, patch.offset);
      writeSync(fd, new Uint8Array(4), 0, 4, size - 4); // extends the file sparsely
    } finally {
      closeSync(fd);
    }
    const magic = Buffer.alloc(4);
    const check = openSync(path, 'r');
    readSync(check, magic, 0, 4, 0);
    closeSync(check);
    expect(magic.toString('latin1')).toBe('RF64');
    const probed = probe(path);
    expect(probed.streams[0]!.duration_ts).toBe(frames);
    expect(Number(probed.format.duration)).toBeCloseTo(frames / 48000, 3);
  });

  it('appends to its own file with the same format, and refuses another format', () => {
    const dir = tempDir();
    const format = { sampleRate: 8000, channels: 2 };
    const path = join(dir, 'twice.wav');
    const first = testSignal(4000, 2, 8000);
    writeWav(path, new WavEncoder({ format, sampleFormat: 'int16' }), first, 500);

    const other = new WavEncoder({ format, sampleFormat: 'int24' });
    const existing = { size: statSync(path).size, read: (offset: number, length: number) => readFileSync(path).subarray(offset, offset + length) };
    const refused = other.prepareAppend(existing);
    expect('code' in refused && refused.code).toBe('RECORDER_APPEND_REFUSED');
    expect('message' in refused && refused.message).toContain('16-bit');
    expect(new WavEncoder({ format: { sampleRate: 8000, channels: 1 }, sampleFormat: 'int16' }).prepareAppend(existing)).toHaveProperty('code');

    const again = new WavEncoder({ format, sampleFormat: 'int16' });
    const plan = again.prepareAppend(existing);
    expect(plan).toEqual({ writeAt: statSync(path).size });
  });
});
