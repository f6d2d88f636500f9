import type { Processor } from '../processor';
import { BiquadFilter, peakingCoefficients, responseDb, type BiquadCoefficients } from './biquad';
import { EQ_BAND_COUNT, EQ_BAND_FREQUENCIES, EQ_MAX_GAIN_DB, EQ_Q } from './dsp-settings';

/**
 * Bands this close to Nyquist are switched off: the RBJ peaking design degenerates as the
 * centre approaches fs/2 (sin(w0) -> 0), and a 16 kHz band at 32 kHz would only ring.
 */
export const EQ_MAX_CENTRE_FRACTION_OF_NYQUIST = 0.9;

/** BUTT's 10-band graphic EQ: peaking biquads (RBJ cookbook), Q 2, +-15 dB, per channel. */
export class Equalizer implements Processor {
  private readonly bands: BiquadFilter[] = [];
  private readonly gains = new Float64Array(EQ_BAND_COUNT);
  /** Which bands can run at this sample rate. */
  readonly bandAvailable: readonly boolean[];

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
    gainsDb?: readonly number[],
  ) {
    this.bandAvailable = EQ_BAND_FREQUENCIES.map((f) => f < (sampleRate / 2) * EQ_MAX_CENTRE_FRACTION_OF_NYQUIST);
    for (let b = 0; b < EQ_BAND_COUNT; b++) this.bands.push(new BiquadFilter(channels));
    if (gainsDb) this.setGains(gainsDb);
  }

  /** Gains in dB for the ten bands, clamped to +-15 dB. */
  setGains(gainsDb: readonly number[]): void {
    for (let b = 0; b < EQ_BAND_COUNT; b++) this.setBand(b, gainsDb[b] ?? 0);
  }

  setBand(band: number, gainDb: number): void {
    const g = Math.max(-EQ_MAX_GAIN_DB, Math.min(EQ_MAX_GAIN_DB, gainDb));
    if (this.gains[band] === g) return;
    this.gains[band] = g;
    const filter = this.bands[band]!;
    filter.setCoefficients(this.coefficients(band));
    // A band that goes flat stops running: forget its history so re-enabling starts clean.
    if (g === 0) filter.reset();
  }

  /** Overall response in dB at a frequency (for the UI curve and tests). */
  responseDb(frequency: number): number {
    let sum = 0;
    for (let b = 0; b < EQ_BAND_COUNT; b++) {
      if (this.isActive(b)) sum += responseDb(this.coefficients(b), this.sampleRate, frequency);
    }
    return sum;
  }

  process(samples: Float32Array): void {
    // Flat and unavailable bands cost nothing: a 0 dB peaking section is exactly identity.
    for (let b = 0; b < EQ_BAND_COUNT; b++) {
      if (this.isActive(b)) this.bands[b]!.process(samples);
    }
  }

  reset(): void {
    for (const band of this.bands) band.reset();
  }

  private isActive(band: number): boolean {
    return this.bandAvailable[band] === true && this.gains[band] !== 0;
  }

  private coefficients(band: number): BiquadCoefficients {
    return peakingCoefficients(this.sampleRate, EQ_BAND_FREQUENCIES[band]!, EQ_Q, this.gains[band]!);
  }
}
