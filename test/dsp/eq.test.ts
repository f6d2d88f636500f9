import { describe, expect, it } from 'vitest';
import { Equalizer } from '../../main/engine/audio/dsp/eq';
import { EQ_BAND_FREQUENCIES } from '../../main/engine/audio/dsp/dsp-settings';
import { EQ_PRESETS, eqPresetGains } from '../../main/engine/audio/dsp/eq-presets';
import { ffmpegWithInput, inBlocks, noise, rmsDb, sine } from './dsp-helpers';

/** Gain of the EQ for a steady sine, measured on samples after the filters settled. */
function measuredGainDb(eq: Equalizer, sampleRate: number, frequency: number): number {
  eq.reset();
  const frames = Math.round(sampleRate * 1.5);
  const input = sine(sampleRate, frames, frequency, [0.25, 0.25]);
  const output = input.slice();
  inBlocks(output, 2, 512, (b) => eq.process(b));
  const from = Math.round(sampleRate * 0.75); // 32 Hz at Q 2 rings for a while
  return rmsDb(output, 2, 1, from, frames) - rmsDb(input, 2, 1, from, frames);
}

describe('10-band EQ', () => {
  for (const sampleRate of [44100, 48000]) {
    it(`gives the set gain at each band centre and ~0 dB two octaves away (${sampleRate} Hz)`, () => {
      EQ_BAND_FREQUENCIES.forEach((centre, band) => {
        for (const gain of [12, -9]) {
          const gains = new Array<number>(10).fill(0);
          gains[band] = gain;
          const eq = new Equalizer(sampleRate, 2, gains);
          expect(measuredGainDb(eq, sampleRate, centre)).toBeCloseTo(gain, 0);
          expect(Math.abs(measuredGainDb(eq, sampleRate, centre) - gain)).toBeLessThanOrEqual(0.3);
          for (const away of [centre / 4, centre * 4]) {
            if (away < 20 || away > sampleRate * 0.45) continue;
            expect(Math.abs(measuredGainDb(eq, sampleRate, away))).toBeLessThanOrEqual(0.5);
          }
        }
      });
    });
  }

  it('matches ffmpeg\'s RBJ peaking equalizer sample for sample', async () => {
    const sampleRate = 48000;
    const input = noise(sampleRate, 1, 7).map((v) => v * 0.25);
    const gains = new Array<number>(10).fill(0);
    gains[5] = 12; // 1 kHz
    const eq = new Equalizer(sampleRate, 1, gains);
    const ours = input.slice();
    eq.process(ours);
    const { code, stdout, stderr } = await ffmpegWithInput(
      ['-v', 'error', '-f', 'f32le', '-ar', '48000', '-ac', '1', '-i', '-', '-af', 'equalizer=f=1000:t=q:w=2:g=12:precision=f64', '-f', 'f32le', '-'],
      input,
    );
    expect(code, stderr).toBe(0);
    const theirs = new Float32Array(stdout.buffer, stdout.byteOffset, stdout.byteLength / 4);
    expect(theirs.length).toBe(ours.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('switches off bands the sample rate cannot carry', () => {
    expect(new Equalizer(44100, 2).bandAvailable.every(Boolean)).toBe(true);
    const at32k = new Equalizer(32000, 2).bandAvailable;
    expect(at32k[9]).toBe(false); // 16 kHz at Nyquist
    expect(at32k[8]).toBe(true);
    const at8k = new Equalizer(8000, 1);
    expect(at8k.bandAvailable.slice(7)).toEqual([false, false, false]); // 4k, 8k, 16k
    at8k.setGains([0, 0, 0, 0, 0, 0, 0, 15, 15, 15]);
    const block = noise(4000, 1, 3);
    const before = block.slice();
    at8k.process(block);
    expect(block).toEqual(before); // disabled bands do nothing
  });

  it('ships BUTT\'s presets with ten gains each within +-15 dB', () => {
    expect(Object.keys(EQ_PRESETS).length).toBeGreaterThanOrEqual(20);
    for (const gains of Object.values(EQ_PRESETS)) {
      expect(gains.length).toBe(10);
      for (const g of gains) expect(Math.abs(g)).toBeLessThanOrEqual(15);
    }
    expect(eqPresetGains('Rock')).toEqual([5.5, 4, 3, 2, -0.5, -1, 1, 2.5, 3.5, 4]);
    expect(eqPresetGains('Manual')).toBeUndefined();
    const eq = new Equalizer(48000, 2, eqPresetGains('Treble Booster'));
    expect(eq.responseDb(16000)).toBeGreaterThan(5);
    expect(Math.abs(eq.responseDb(100))).toBeLessThan(0.2);
  });
});
