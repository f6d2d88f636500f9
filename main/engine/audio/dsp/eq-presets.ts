import { EQ_BAND_COUNT } from './dsp-settings';

/**
 * BUTT's EQ presets, gains in dB for 32 Hz..16 kHz, taken from BUTT's src/dsp.hpp (1.4x).
 * BUTT's preset menu also has "Manual" (the user's own gains); "Flat" is ours.
 */
export const EQ_PRESETS: Readonly<Record<string, readonly number[]>> = {
  Flat: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  Acoustic: [5, 5, 4, 1.5, 2.5, 2, 3.5, 4, 3.5, 2.5],
  'Bass Booster': [6, 4, 3.5, 3, 2, 0, 0, 0, 0, 0],
  'Bass Reducer': [-6, -4, -3.5, -3, -2, 0, 0, 0, 0, 0],
  Classical: [4.5, 3.5, 3, 3, -2, -2, 0, 2.5, 3, 3.5],
  Dance: [3.5, 6.5, 5, 0, 2.5, 3.5, 6, 4.5, 4, 0],
  Deep: [5, 3.5, 2, 1, 3, 3, 2, -2.5, -3.5, 4],
  Electronic: [4, 3.8, 2, 0, -2.5, 2.5, 2.5, 2, 4, 4.5],
  'Hip-Hop': [5, 4, 2, 3, -1, -1, 2, -0.5, 2.5, 3],
  Jazz: [4, 3, 2, 2.5, -2, -2, 0, 2, 3, 3.5],
  Latin: [4, 3, 0, 0, -2, -2, -2, 0, 3, 4],
  Loudness: [6.5, 4, 0, 0, -2, 0, -1, -5, 5, 1.5],
  Lounge: [-3, -2, 0, 1.5, 4, 3, 0, -1.5, 2, 1],
  Piano: [3, 2.5, 0, 3, 3, 2, 3.5, 4, 3, 3.5],
  Pop: [-1.5, -1, 0, 2.5, 4, 4, 2.5, 0, -1.5, -2],
  RnB: [3, 7.5, 6, 2, -2.5, -2, 2.8, 2.9, 3, 3.5],
  Rock: [5.5, 4, 3, 2, -0.5, -1, 1, 2.5, 3.5, 4],
  'Small Speakers': [6, 4, 3.5, 3, 2, 0, -2, -3, -3.5, -4],
  Speech: [-3.5, -0.5, 0, 0.5, 3.5, 4.5, 4.5, 4, 3, 0],
  'Treble Booster': [0, 0, 0, 0, 0, 2, 3, 3.5, 4, 5.5],
  'Treble Reducer': [0, 0, 0, 0, 0, -2, -3, -3.5, -4, -5.5],
  'Vocal Booster': [-2, -3, -3, 2, 4, 4, 3.5, 2, 0, -2],
};

export const EQ_PRESET_NAMES: readonly string[] = Object.keys(EQ_PRESETS);

/** The gains of a preset, or undefined for an unknown name (e.g. 'Manual'). */
export function eqPresetGains(name: string): number[] | undefined {
  const gains = EQ_PRESETS[name];
  return gains && gains.length === EQ_BAND_COUNT ? [...gains] : undefined;
}
