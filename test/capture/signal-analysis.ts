/** Measures a captured sine: frequency from interpolated zero crossings, level from RMS. */

/** One channel out of interleaved samples. */
export function channel(samples: Float32Array, channels: number, index: number): Float32Array {
  const out = new Float32Array(Math.floor(samples.length / channels));
  for (let i = 0; i < out.length; i++) out[i] = samples[i * channels + index]!;
  return out;
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Frequency from the first and last rising zero crossings (linearly interpolated). */
export function sineFrequency(mono: Float32Array, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < mono.length; i++) {
    const a = mono[i - 1]!;
    const b = mono[i]!;
    if (a < 0 && b >= 0) {
      const t = i - 1 + a / (a - b);
      if (first < 0) first = t;
      last = t;
      count++;
    }
  }
  if (count < 2) return 0;
  return ((count - 1) * sampleRate) / (last - first);
}

/** Peak level of a sine in dBFS, from its RMS (robust against a single odd sample). */
export function sinePeakDbfs(mono: Float32Array): number {
  let sum = 0;
  for (const v of mono) sum += v * v;
  const rms = Math.sqrt(sum / mono.length);
  return 20 * Math.log10(rms * Math.SQRT2);
}
