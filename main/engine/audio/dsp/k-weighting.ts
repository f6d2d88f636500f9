import type { BiquadCoefficients } from './biquad';

/**
 * ITU-R BS.1770-4 K-weighting (pre-filter shelf + RLB high-pass) for any sample rate.
 * The standard gives coefficients for 48 kHz only; these are the analogue prototypes those
 * coefficients come from (same derivation as libebur128 and ffmpeg's ebur128), bilinear-
 * transformed at the actual rate. At 48 kHz they reproduce the standard's table.
 */
const SHELF_F0 = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
const SHELF_VB_EXPONENT = 0.4996667741545416;
const HIGHPASS_F0 = 38.13547087602444;
const HIGHPASS_Q = 0.5003270373238773;

export function kWeightingShelf(sampleRate: number): BiquadCoefficients {
  const k = Math.tan((Math.PI * SHELF_F0) / sampleRate);
  const vh = Math.pow(10, SHELF_GAIN_DB / 20);
  const vb = Math.pow(vh, SHELF_VB_EXPONENT);
  const a0 = 1 + k / SHELF_Q + k * k;
  return {
    b0: (vh + (vb * k) / SHELF_Q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / SHELF_Q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / SHELF_Q + k * k) / a0,
  };
}

export function kWeightingHighpass(sampleRate: number): BiquadCoefficients {
  const k = Math.tan((Math.PI * HIGHPASS_F0) / sampleRate);
  const a0 = 1 + k / HIGHPASS_Q + k * k;
  // The standard's RLB numerator is 1, -2, 1 un-normalised; keep it so 48 kHz matches exactly.
  return { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / HIGHPASS_Q + k * k) / a0 };
}

/** Loudness (LUFS / LKFS) from the channel-weighted sum of mean squares. */
export function loudnessFromPower(weightedMeanSquare: number): number {
  return weightedMeanSquare > 0 ? Math.max(LOUDNESS_FLOOR, -0.691 + 10 * Math.log10(weightedMeanSquare)) : LOUDNESS_FLOOR;
}

/** What silence reads as (finite, so snapshots stay JSON). */
export const LOUDNESS_FLOOR = -150;
