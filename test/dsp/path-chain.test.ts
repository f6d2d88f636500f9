import { describe, expect, it } from 'vitest';
import { PathChain } from '../../main/engine/audio/dsp/path-chain';
import { Gain } from '../../main/engine/audio/dsp/gain';
import { defaultDspSettings, dspSettingsSchema, pathDspSettingsSchema } from '../../main/engine/audio/dsp/dsp-settings';
import { eqPresetGains } from '../../main/engine/audio/dsp/eq-presets';
import { inBlocks, noise, rmsDb, sine } from './dsp-helpers';

describe('DSP settings', () => {
  it('defaults to BUTT-like values for both paths', () => {
    const s = defaultDspSettings();
    expect(s.masterGainDb).toBe(0);
    for (const path of [s.stream, s.record]) {
      expect(path.eq).toEqual({ enabled: false, preset: 'Manual', gainsDb: new Array(10).fill(0) });
      expect(path.compressor).toMatchObject({ enabled: false, thresholdDb: -20, ratio: 5, attackSeconds: 0.01, releaseSeconds: 1 });
      expect(path.limiter).toMatchObject({ enabled: true, ceilingDb: -1, lookaheadMs: 5 });
    }
  });

  it('refuses out-of-range values', () => {
    expect(dspSettingsSchema.safeParse({ masterGainDb: 30 }).success).toBe(false);
    expect(pathDspSettingsSchema.safeParse({ eq: { gainsDb: [16, 0, 0, 0, 0, 0, 0, 0, 0, 0] } }).success).toBe(false);
    expect(pathDspSettingsSchema.safeParse({ eq: { gainsDb: [0, 0] } }).success).toBe(false);
    expect(pathDspSettingsSchema.safeParse({ limiter: { ceilingDb: 1 } }).success).toBe(false);
  });
});

describe('gain ramps', () => {
  it('ramps a change instead of jumping (no zipper click)', () => {
    const fs = 48000;
    const gain = new Gain(fs, 1, 0);
    const dc = new Float32Array(fs / 10).fill(0.1);
    gain.process(dc.subarray(0, 480));
    gain.setGainDb(24);
    gain.process(dc.subarray(480));
    let worstStep = 0;
    for (let i = 1; i < dc.length; i++) worstStep = Math.max(worstStep, Math.abs(dc[i]! - dc[i - 1]!));
    const jump = 0.1 * (Math.pow(10, 24 / 20) - 1);
    expect(worstStep).toBeLessThan(jump / 500); // spread over a 20 ms ramp (960 frames)
    expect(dc[dc.length - 1]).toBeCloseTo(0.1 * Math.pow(10, 24 / 20), 5);
    expect(dc[479]).toBeCloseTo(0.1, 6);
  });
});

describe('path chain', () => {
  it('runs gain -> EQ -> compressor -> limiter and exposes the limiter latency', () => {
    const fs = 44100;
    const settings = pathDspSettingsSchema.parse({
      gainDb: 6,
      eq: { enabled: true, preset: 'Rock', gainsDb: eqPresetGains('Rock') },
      compressor: { enabled: true },
      limiter: { ceilingDb: -2 },
    });
    const chain = new PathChain({ sampleRate: fs, channels: 2 }, settings, 6);
    expect(chain.latencyFrames).toBe(Math.round(0.005 * fs));
    const signal = noise(fs * 3, 2, 11);
    inBlocks(signal, 2, 1024, (b) => chain.process(b));
    const ceiling = Math.pow(10, -2 / 20);
    let worst = 0;
    for (const s of signal) worst = Math.max(worst, Math.abs(s));
    expect(worst).toBeLessThanOrEqual(ceiling);
    expect(chain.compressor.compressing).toBe(true);

    // Reconfigure without the limiter: BUTT's +-1 clamp, no latency.
    chain.configure({ ...settings, limiter: { ...settings.limiter, enabled: false } }, 0);
    expect(chain.latencyFrames).toBe(0);
    const loud = sine(fs, 4410, 100, [3, 3]);
    chain.process(loud);
    expect(Math.max(...loud.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it('is transparent with everything neutral (apart from the look-ahead delay)', () => {
    const fs = 48000;
    const chain = new PathChain({ sampleRate: fs, channels: 1 }, pathDspSettingsSchema.parse({}));
    const input = sine(fs, fs, 997, [0.5]);
    const out = input.slice();
    chain.process(out);
    const d = chain.latencyFrames;
    expect(rmsDb(out, 1, 0, d, fs)).toBeCloseTo(rmsDb(input, 1, 0, 0, fs - d), 6);
    expect(out[d + 1000]).toBe(input[1000]);
  });
});
