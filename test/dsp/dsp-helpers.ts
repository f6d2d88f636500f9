import { spawn } from 'node:child_process';

/** Interleaved sine, the same on every channel unless `amplitudes` differ per channel. */
export function sine(sampleRate: number, frames: number, frequency: number, amplitudes: number[], phase = 0): Float32Array {
  const ch = amplitudes.length;
  const out = new Float32Array(frames * ch);
  const w = (2 * Math.PI * frequency) / sampleRate;
  for (let f = 0; f < frames; f++) {
    const v = Math.sin(w * f + phase);
    for (let c = 0; c < ch; c++) out[f * ch + c] = v * amplitudes[c]!;
  }
  return out;
}

/** Deterministic white noise in -1..1 (xorshift32). */
export function noise(frames: number, channels: number, seed = 12345): Float32Array {
  const out = new Float32Array(frames * channels);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x / 2147483648 - 1;
  }
  return out;
}

/** RMS of one channel over a frame range, in dB. */
export function rmsDb(samples: Float32Array, channels: number, channel: number, from = 0, to = samples.length / channels): number {
  let sum = 0;
  for (let f = from; f < to; f++) {
    const s = samples[f * channels + channel]!;
    sum += s * s;
  }
  return 10 * Math.log10(sum / (to - from));
}

/** Runs `fn` over `samples` in blocks of `block` frames (in place). */
export function inBlocks(samples: Float32Array, channels: number, block: number, fn: (b: Float32Array) => void): void {
  for (let i = 0; i < samples.length; i += block * channels) fn(samples.subarray(i, Math.min(samples.length, i + block * channels)));
}

/**
 * Frequency from positive-going zero crossings (linearly interpolated) of one channel,
 * between the first and last crossing: precise to a few mHz over a few seconds.
 */
export function measureFrequency(samples: Float32Array, channels: number, sampleRate: number, channel = 0): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let f = 1; f < samples.length / channels; f++) {
    const a = samples[(f - 1) * channels + channel]!;
    const b = samples[f * channels + channel]!;
    if (a < 0 && b >= 0) {
      const t = f - 1 + a / (a - b);
      if (first < 0) first = t;
      else count++;
      last = t;
    }
  }
  return (count * sampleRate) / (last - first);
}

/** Runs ffmpeg with raw f32le on stdin; resolves with stderr (ffmpeg logs there). */
export function ffmpegWithInput(args: string[], input: Float32Array): Promise<{ code: number | null; stderr: string; stdout: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, stdout: Buffer.concat(out) }));
    child.stdin.on('error', () => undefined); // ffmpeg may close early; its exit code tells
    child.stdin.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  });
}

/** Momentary and short-term loudness per 100 ms frame from ffmpeg's ebur128 filter. */
export async function ffmpegLoudness(samples: Float32Array, sampleRate: number, channels: number): Promise<{ m: number[]; s: number[] }> {
  const { code, stderr } = await ffmpegWithInput(
    ['-v', 'verbose', '-f', 'f32le', '-ar', String(sampleRate), '-ac', String(channels), '-i', '-', '-af', 'ebur128=framelog=verbose', '-f', 'null', '-'],
    samples,
  );
  if (code !== 0) throw new Error(`ffmpeg failed (${code}): ${stderr.slice(-500)}`);
  const m: number[] = [];
  const s: number[] = [];
  for (const match of stderr.matchAll(/ M:\s*(-?[\d.]+) S:\s*(-?[\d.]+)/g)) {
    m.push(Number(match[1]));
    s.push(Number(match[2]));
  }
  return { m, s };
}
