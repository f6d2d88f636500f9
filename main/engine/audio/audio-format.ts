/**
 * The engine's audio currency: 32-bit float, interleaved, nominal range -1..+1.
 * Every stage (sources, DSP, meters, encoders, recorder) speaks this.
 */
export interface AudioFormat {
  /** Frames per second: 8000..96000. */
  sampleRate: number;
  /** 1 (mono) or 2 (stereo) in the pipeline; AES67 may carry up to 8. */
  channels: number;
}

export interface AudioBlock {
  format: AudioFormat;
  /** Interleaved samples, frames * channels long. Stages must not keep a reference. */
  samples: Float32Array;
  /** Index of the first frame since the source started: gaps and overlaps are detectable. */
  frameIndex: number;
}

export function frameCount(block: AudioBlock): number {
  return block.samples.length / block.format.channels;
}

export function sameFormat(a: AudioFormat, b: AudioFormat): boolean {
  return a.sampleRate === b.sampleRate && a.channels === b.channels;
}

export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 96000;
