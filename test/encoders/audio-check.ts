/**
 * Test helpers for the encoders: a 997 Hz tone, running an encoder over it, writing the chunks
 * to a temp file, and decoding/measuring with the real ffmpeg.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncodedChunk, Encoder } from '../../main/engine/audio/encoder';
import { isChildProcessEncoder } from '../../main/engine/audio/encoders/aac-encoder';

export const TONE_HZ = 997;
/** -6 dBFS peak. */
export const TONE_AMPLITUDE = 10 ** (-6 / 20);

export function sine(seconds: number, sampleRate: number, channels = 2, hz = TONE_HZ, amplitude = TONE_AMPLITUDE): Float32Array {
  const frames = Math.round(seconds * sampleRate);
  const out = new Float32Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate);
    for (let c = 0; c < channels; c++) out[i * channels + c] = v;
  }
  return out;
}

export interface EncodeRun {
  chunks: EncodedChunk[];
  /** chunks returned by each encode() call, flush() and drain() in order */
  calls: EncodedChunk[][];
}

/** Feeds `samples` in blocks of `blockFrames` (uneven on purpose), then flushes (and drains). */
export async function encodeAll(encoder: Encoder, samples: Float32Array, blockFrames = 1000): Promise<EncodeRun> {
  const channels = encoder.inputFormat.channels;
  const calls: EncodedChunk[][] = [];
  for (let at = 0; at < samples.length; at += blockFrames * channels) {
    calls.push(encoder.encode(samples.subarray(at, Math.min(samples.length, at + blockFrames * channels))));
  }
  calls.push(encoder.flush());
  if (isChildProcessEncoder(encoder)) calls.push(await encoder.drain());
  return { chunks: calls.flat(), calls };
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'airtight-enc-'));
  file(name: string): string {
    return join(this.path, name);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Writes the chunks one after another, then applies the header patches (as a recorder does). */
export function writeChunks(path: string, chunks: EncodedChunk[], patches: { offset: number; bytes: Uint8Array }[] = []): void {
  const fd = openSync(path, 'w');
  try {
    for (const c of chunks) writeSync(fd, c.bytes);
    for (const p of patches) writeSync(fd, p.bytes, 0, p.bytes.length, p.offset);
  } finally {
    closeSync(fd);
  }
}

export function writeBytes(path: string, bytes: Uint8Array): void {
  writeFileSync(path, bytes);
}

/** Decodes any file ffmpeg reads to interleaved float at `rate`, `channels`. */
export function decode(path: string, rate: number, channels = 2): Float32Array {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'f32le', '-ac', String(channels), '-ar', String(rate), '-'], {
    maxBuffer: 256 << 20,
    timeout: 30_000,
  });
  return new Float32Array(out.buffer, out.byteOffset, out.length / 4).slice();
}

export function ffprobe(path: string): { streams: Record<string, unknown>[]; format: Record<string, unknown> } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { timeout: 30_000 });
  return JSON.parse(out.toString('utf8'));
}

/** One channel of interleaved samples, from frame `from` to `to`. */
export function channel(samples: Float32Array, channels: number, c: number, from = 0, to = samples.length / channels): Float64Array {
  const out = new Float64Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = samples[i * channels + c]!;
  return out;
}

export function rmsDb(x: Float64Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return 10 * Math.log10(sum / x.length);
}

/** Power of one frequency (Goertzel), normalized per sample. */
export function goertzel(x: Float64Array, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

/** Frequency from rising zero crossings (first to last, interpolated). */
export function zeroCrossingHz(x: Float64Array, rate: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < x.length; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) {
      const t = i - 1 + -x[i - 1]! / (x[i]! - x[i - 1]!);
      if (first < 0) first = t;
      else count++;
      last = t;
    }
  }
  return count === 0 ? 0 : (count * rate) / (last - first);
}

export interface ToneReport {
  frames: number;
  rmsDb: number[];
  hz: number[];
  /** 997 Hz power over the strongest of 797/897/1097/1197 Hz, in dB. */
  toneOverNeighboursDb: number[];
}

/** Measures the decoded tone in its middle (edges hold codec ramps and padding). */
export function measureTone(samples: Float32Array, rate: number, channels = 2): ToneReport {
  const frames = samples.length / channels;
  const from = Math.floor(rate * 0.25);
  const to = frames - Math.floor(rate * 0.25);
  const report: ToneReport = { frames, rmsDb: [], hz: [], toneOverNeighboursDb: [] };
  for (let c = 0; c < channels; c++) {
    const x = channel(samples, channels, c, from, to);
    report.rmsDb.push(rmsDb(x));
    report.hz.push(zeroCrossingHz(x, rate));
    const tone = goertzel(x, TONE_HZ, rate);
    const neighbour = Math.max(...[797, 897, 1097, 1197].map((f) => goertzel(x, f, rate)));
    report.toneOverNeighboursDb.push(10 * Math.log10(tone / neighbour));
  }
  return report;
}

/** RMS of a -6 dBFS sine: -6 dB - 3.01 dB. */
export const TONE_RMS_DB = -6 - 10 * Math.log10(2);

export function totalFrames(chunks: EncodedChunk[]): number {
  return chunks.reduce((sum, c) => sum + c.frames, 0);
}

/** Runs a tool; `out` holds stdout and stderr together (flac reports on stderr). */
export function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status ?? -1, out: `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}` };
}
