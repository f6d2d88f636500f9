/** Level conversions shared by the DSP stages. */

/** Below this a level reads as silence: 20*log10 would run towards -Infinity. */
export const SILENCE_DB = -150;

export function dbToLinear(db: number): number {
  return Math.pow(10, db / 20);
}

export function linearToDb(linear: number): number {
  return linear > 0 ? Math.max(SILENCE_DB, 20 * Math.log10(linear)) : SILENCE_DB;
}

/** Mean square (power) to dB. */
export function powerToDb(power: number): number {
  return power > 0 ? Math.max(SILENCE_DB, 10 * Math.log10(power)) : SILENCE_DB;
}
