/** The built-in test tone: 997 Hz (not a divisor of common rates, so every sample differs). */
import type { AudioFormat } from '../audio-format';
import { GeneratorSource, type GeneratorOptions } from './generator-source';

export const TEST_TONE_HZ = 997;
export const DEFAULT_TONE_DBFS = -18;

export interface ToneOptions extends Omit<GeneratorOptions, 'format'> {
  format: AudioFormat;
  /** Peak level of the sine in dBFS (its RMS is 3.01 dB lower). */
  levelDbfs?: number;
  frequency?: number;
}

export function createToneSource(options: ToneOptions): GeneratorSource {
  const frequency = options.frequency ?? TEST_TONE_HZ;
  const level = options.levelDbfs ?? DEFAULT_TONE_DBFS;
  const amplitude = Math.pow(10, level / 20);
  const rate = options.format.sampleRate;
  return new GeneratorSource(
    `tone ${frequency} Hz ${level} dBFS`,
    (samples, frameIndex, channels) => {
      const frames = samples.length / channels;
      for (let i = 0; i < frames; i++) {
        // Phase from the integer frame index (exact in a double for centuries): no drift.
        const cycles = ((frameIndex + i) * frequency) % rate;
        const value = amplitude * Math.sin((2 * Math.PI * cycles) / rate);
        for (let c = 0; c < channels; c++) samples[i * channels + c] = value;
      }
    },
    options,
  );
}

export function createSilenceSource(options: Omit<GeneratorOptions, 'format'> & { format: AudioFormat }): GeneratorSource {
  // New Float32Arrays are already zero.
  return new GeneratorSource('silence', () => {}, options);
}
