import { describe, expect, it } from 'vitest';
import { Compressor } from '../../main/engine/audio/dsp/compressor';
import { compressorSettingsSchema, type CompressorSettings } from '../../main/engine/audio/dsp/dsp-settings';
import { inBlocks, rmsDb, sine } from './dsp-helpers';

const FS = 48000;

function settings(over: Partial<CompressorSettings> = {}): CompressorSettings {
  return { ...compressorSettingsSchema.parse({ enabled: true }), ...over };
}

/** Output RMS (dB) of a steady 1 kHz stereo sine whose RMS is `levelDb`, after 4 s of settling. */
function steadyOutputDb(comp: Compressor, levelDb: number, amplitudes = [1, 1]): number[] {
  const peak = Math.pow(10, (levelDb + 3.0103) / 20);
  const frames = FS * 5;
  const signal = sine(FS, frames, 1000, amplitudes.map((a) => a * peak));
  inBlocks(signal, 2, 1024, (b) => comp.process(b));
  return [rmsDb(signal, 2, 0, FS * 4, frames), rmsDb(signal, 2, 1, FS * 4, frames)];
}

describe('compressor (BUTT parameters)', () => {
  it('has BUTT\'s defaults', () => {
    const s = compressorSettingsSchema.parse({});
    expect(s).toMatchObject({ thresholdDb: -20, ratio: 5, attackSeconds: 0.01, releaseSeconds: 1, makeupGainDb: 0, aggressive: false });
  });

  it('follows the static curve above the threshold and is transparent below', () => {
    for (const ratio of [2, 5, 10]) {
      for (const level of [-30, -15, -10, -3]) {
        const comp = new Compressor(FS, 2, settings({ ratio }));
        const [out] = steadyOutputDb(comp, level);
        const expected = level <= -20 ? level : -20 + (level + 20) / ratio;
        expect(Math.abs(out! - expected), `ratio ${ratio}, level ${level}: got ${out}`).toBeLessThanOrEqual(0.3);
      }
    }
  });

  it('adds makeup gain and uses the threshold it is given', () => {
    const comp = new Compressor(FS, 2, settings({ thresholdDb: -30, ratio: 4, makeupGainDb: 6 }));
    const [out] = steadyOutputDb(comp, -10);
    expect(out).toBeCloseTo(-30 + 20 / 4 + 6, 0);
  });

  it('is stereo-linked: a loud left channel turns the quiet right one down by the same amount', () => {
    const comp = new Compressor(FS, 2, settings());
    const [left, right] = steadyOutputDb(comp, -5, [1, 0.1]);
    // Input: right is 20 dB below left; the same gain keeps that difference.
    expect(left! - right!).toBeCloseTo(20, 1);
    // Linked detector power = mean of both channels' power.
    const detectorDb = -5 + 10 * Math.log10((1 + 0.01) / 2);
    expect(left).toBeCloseTo(-5 + (detectorDb + 20) * (1 / 5 - 1), 0);
  });

  it('aggressive mode reacts to the waveform (more reduction on the same sine)', () => {
    const normal = steadyOutputDb(new Compressor(FS, 2, settings()), -5)[0]!;
    const aggressive = steadyOutputDb(new Compressor(FS, 2, settings({ aggressive: true })), -5)[0]!;
    expect(aggressive).toBeLessThan(normal - 1);
  });

  it('attacks in about the attack time and releases in about the release time', () => {
    const comp = new Compressor(FS, 1, settings({ attackSeconds: 0.01, releaseSeconds: 0.5 }));
    const quiet = sine(FS, FS * 2, 1000, [0.01]);
    comp.process(quiet);
    const loud = sine(FS, FS, 1000, [1]);
    comp.process(loud);
    // After 5 attack time-constants (plus detector smoothing) the gain is within 1 dB of final.
    const at60ms = rmsDb(loud, 1, 0, Math.round(FS * 0.06), Math.round(FS * 0.07));
    const final = rmsDb(loud, 1, 0, FS - 4800, FS);
    expect(Math.abs(at60ms - final)).toBeLessThan(1);
    expect(comp.compressing).toBe(true);
    expect(comp.lastReductionDb).toBeLessThan(-10);
  });
});
