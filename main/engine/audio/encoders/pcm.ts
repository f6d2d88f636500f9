/** Sample conversions the encoders need: planar views and integer quantization. */

/** Splits interleaved samples into one array per channel (what LAME and Vorbis take). */
export function deinterleave(samples: Float32Array, channels: number): Float32Array[] {
  const frames = Math.floor(samples.length / channels);
  const planes = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let c = 0; c < channels; c++) {
    const plane = planes[c]!;
    for (let i = 0, j = c; i < frames; i++, j += channels) plane[i] = samples[j]!;
  }
  return planes;
}

/**
 * Float -1..+1 to signed integers of `bits` bits: round to nearest, clip at full scale.
 * Decoders map back with x / 2^(bits-1), so this quantization is what a lossless file holds.
 */
export function quantize(samples: Float32Array, bits: number, out: Int32Array = new Int32Array(samples.length)): Int32Array {
  const scale = 2 ** (bits - 1);
  const max = scale - 1;
  const min = -scale;
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * scale);
    out[i] = v > max ? max : v < min ? min : v;
  }
  return out;
}

export function toInt16(samples: Float32Array, out: Int16Array = new Int16Array(samples.length)): Int16Array {
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** Keeps only whole frames: a caller's odd sample count must not shift the channels. */
export function wholeFrames(samples: Float32Array, channels: number): Float32Array {
  const usable = samples.length - (samples.length % channels);
  return usable === samples.length ? samples : samples.subarray(0, usable);
}
