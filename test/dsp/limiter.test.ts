import { describe, expect, it } from 'vitest';
import { Limiter } from '../../main/engine/audio/dsp/limiter';
import { limiterSettingsSchema } from '../../main/engine/audio/dsp/dsp-settings';
import { inBlocks, noise, sine } from './dsp-helpers';

describe('look-ahead limiter', () => {
  for (const [sampleRate, channels] of [
    [44100, 2],
    [48000, 1],
    [96000, 2],
    [8000, 2],
  ] as const) {
    it(`never lets a sample past the ceiling (${sampleRate} Hz, ${channels} ch)`, () => {
      for (const ceilingDb of [-1, -0.1, -6]) {
        const lim = new Limiter(sampleRate, channels, limiterSettingsSchema.parse({ ceilingDb }));
        const ceiling = Math.pow(10, ceilingDb / 20);
        // 0 dBFS sine plus noise bursts up to +12 dBFS and single-sample spikes.
        const frames = sampleRate * 3;
        const signal = sine(sampleRate, frames, 440, new Array(channels).fill(1));
        const hiss = noise(frames, channels, 99);
        for (let i = 0; i < signal.length; i++) {
          const f = Math.floor(i / channels);
          const burst = Math.floor(f / (sampleRate / 4)) % 2 === 1 ? 4 : 0.2;
          signal[i] = signal[i]! + hiss[i]! * burst;
          if (f % 1009 === 0) signal[i] = (f % 2 ? 1 : -1) * 3.9;
        }
        let worst = 0;
        inBlocks(signal, channels, 441, (b) => {
          lim.process(b);
          for (const s of b) worst = Math.max(worst, Math.abs(s));
        });
        expect(worst).toBeLessThanOrEqual(ceiling);
        expect(worst).toBeGreaterThan(ceiling * 0.99); // it limits, it does not just attenuate
        expect(lim.safetyClips).toBe(0); // the envelope did it, not the final clamp
      }
    });
  }

  it('delays by exactly the latency it exposes and is transparent below the ceiling', () => {
    const sampleRate = 44100;
    const lim = new Limiter(sampleRate, 2, limiterSettingsSchema.parse({ lookaheadMs: 5, ceilingDb: -1 }));
    expect(lim.latencyFrames).toBe(Math.round(0.005 * sampleRate));
    const input = noise(sampleRate, 2, 5).map((v) => v * 0.5);
    const output = input.slice();
    inBlocks(output, 2, 300, (b) => lim.process(b));
    const d = lim.latencyFrames;
    let mismatches = 0;
    for (let i = 0; i < output.length; i++) if (output[i] !== (i < d * 2 ? 0 : input[i - d * 2])) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('reduces gain smoothly and recovers after the peak', () => {
    const sampleRate = 48000;
    const lim = new Limiter(sampleRate, 1, limiterSettingsSchema.parse({ ceilingDb: -1, releaseMs: 50 }));
    const input = sine(sampleRate, sampleRate, 1000, [0.5]);
    for (let f = 24000; f < 24480; f++) input[f] = input[f]! * 4; // 10 ms at +6 dBFS
    const output = input.slice();
    lim.process(output);
    const d = lim.latencyFrames;
    // 0.3 s later the gain is back to (almost) unity.
    const f = 24480 + d + Math.round(0.3 * sampleRate);
    expect(Math.abs(output[f]! - input[f - d]!)).toBeLessThan(0.01);
    // The loudest sample (2.0) needed exactly ceiling / 2: no more reduction than that.
    expect(lim.lastMinGain).toBeCloseTo(Math.pow(10, -1 / 20) / 2, 3);
  });
});
