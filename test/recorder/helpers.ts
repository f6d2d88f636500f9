/** Shared helpers for the recorder tests: a known signal, an independent quantizer, ffmpeg. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A deterministic test signal: two sines plus noise, with a few samples beyond full scale so
 * clipping is exercised too. Interleaved, `frames * channels` long, from frame `start` on.
 */
export function testSignal(frames: number, channels: number, sampleRate: number, start = 0): Float32Array {
  const out = new Float32Array(frames * channels);
  for (let f = 0; f < frames; f++) {
    const n = start + f;
    for (let c = 0; c < channels; c++) {
      const t = n / sampleRate;
      let value = 0.6 * Math.sin(2 * Math.PI * (440 + 117 * c) * t) + 0.3 * Math.sin(2 * Math.PI * 3001 * t);
      value += 0.05 * (noise(n * channels + c) * 2 - 1);
      if (n % 9973 === 0) value = c === 0 ? 1.2 : -1.3; // out of range: must clip
      out[f * channels + c] = value;
    }
  }
  return out;
}

/** Hash-based noise in 0..1: depends only on the index, so any slice can be regenerated. */
function noise(index: number): number {
  let x = (index + 1) * 0x9e3779b1;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0) / 4294967296;
}

/** Reference quantization, written independently of the encoder: expected s32le values. */
export function expectedS32(samples: Float32Array, bits: 16 | 24 | 32): Int32Array {
  const scale = 2 ** (bits - 1);
  const out = new Int32Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const q = Math.min(scale - 1, Math.max(-scale, Math.round(samples[i]! * scale)));
    out[i] = bits === 32 ? q : q * 2 ** (32 - bits);
  }
  return out;
}

/** Decodes any audio file with ffmpeg to interleaved s32le (or f32le). */
export function decode(path: string, as: 's32le' | 'f32le' = 's32le'): Int32Array | Float32Array {
  const bytes = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', as, '-'], { maxBuffer: 1 << 30 });
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return as === 's32le' ? new Int32Array(buffer) : new Float32Array(buffer);
}

export interface ProbedStream {
  codec_name: string;
  sample_rate: string;
  channels: number;
  bits_per_sample?: number;
  duration_ts?: number;
  duration?: string;
}

export function probe(path: string): { format: { format_name: string; duration?: string }; streams: ProbedStream[] } {
  const json = execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path], {
    encoding: 'utf8',
  });
  return JSON.parse(json) as { format: { format_name: string; duration?: string }; streams: ProbedStream[] };
}

/** First index where two arrays differ, or -1; also -1 only when lengths are equal. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

export function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `airtight-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Feeds `signal` to `write` in blocks of `blockFrames` (a bounded loop). */
export function feedInBlocks(signal: Float32Array, channels: number, blockFrames: number, write: (block: Float32Array) => void): void {
  const frames = signal.length / channels;
  for (let at = 0; at < frames; at += blockFrames) {
    write(signal.subarray(at * channels, Math.min(frames, at + blockFrames) * channels));
  }
}

/**
 * The sizes a WAV header claims, read independently of the encoder. ffmpeg reads a WAV whose
 * sizes are 0 to its end, so tests that must see the header itself check these.
 */
export function wavHeaderSizes(path: string): { riffSize: number; dataSize: number; dataStart: number; fileSize: number } {
  const file = readFileSync(path);
  if (file.subarray(0, 4).toString('latin1') !== 'RIFF') throw new Error(`${path}: not a RIFF file`);
  let at = 12;
  while (at + 8 <= file.length) {
    const id = file.subarray(at, at + 4).toString('latin1');
    const size = file.readUInt32LE(at + 4);
    if (id === 'data') return { riffSize: file.readUInt32LE(4), dataSize: size, dataStart: at + 8, fileSize: file.length };
    at += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Frame count as Python's strict `wave` module reads it from the header (plain PCM files). */
export function pythonWaveFrames(path: string): number {
  const out = execFileSync('python3', ['-c', 'import sys, wave\nwith wave.open(sys.argv[1]) as w: print(w.getnframes())', path], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}
