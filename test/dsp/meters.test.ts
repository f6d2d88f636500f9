import { describe, expect, it } from 'vitest';
import { Meters, PEAK_HOLD_SECONDS } from '../../main/engine/audio/dsp/meters';
import { kWeightingHighpass, kWeightingShelf } from '../../main/engine/audio/dsp/k-weighting';
import { responseDb } from '../../main/engine/audio/dsp/biquad';
import { ffmpegLoudness, noise, sine } from './dsp-helpers';

/** A test programme: noise and tones with a moving envelope, different in each channel. */
function programme(sampleRate: number, seconds: number): Float32Array {
  const frames = Math.round(sampleRate * seconds);
  const hiss = noise(frames, 2, 4242);
  const out = new Float32Array(frames * 2);
  for (let f = 0; f < frames; f++) {
    const t = f / sampleRate;
    const envL = 0.05 + 0.3 * Math.abs(Math.sin(2 * Math.PI * 0.37 * t));
    const envR = t % 2 < 1 ? 0.25 : 0.02;
    out[f * 2] = envL * (0.6 * hiss[f * 2]! + 0.4 * Math.sin(2 * Math.PI * 150 * t));
    out[f * 2 + 1] = envR * (0.5 * hiss[f * 2 + 1]! + 0.5 * Math.sin(2 * Math.PI * 3000 * t));
  }
  return out;
}

describe('meters', () => {
  it('derives the BS.1770-4 K-weighting table at 48 kHz', () => {
    const shelf = kWeightingShelf(48000);
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 10);
    expect(shelf.b1).toBeCloseTo(-2.69169618940638, 10);
    expect(shelf.b2).toBeCloseTo(1.19839281085285, 10);
    expect(shelf.a1).toBeCloseTo(-1.69065929318241, 10);
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 10);
    const hp = kWeightingHighpass(48000);
    expect([hp.b0, hp.b1, hp.b2]).toEqual([1, -2, 1]);
    expect(hp.a1).toBeCloseTo(-1.99004745483398, 10);
    expect(hp.a2).toBeCloseTo(0.99007225036621, 10);
    // Same curve at other rates (the point of deriving them): +4 dB shelf at 10 kHz everywhere.
    for (const fs of [32000, 44100, 96000]) {
      expect(responseDb(kWeightingShelf(fs), fs, 10000)).toBeCloseTo(responseDb(shelf, 48000, 10000), 1);
    }
  });

  it('reads the EBU reference: 1 kHz stereo sine at -23 dBFS is -23 LUFS', () => {
    for (const fs of [44100, 48000]) {
      const m = new Meters(fs, 2);
      const a = Math.pow(10, -23 / 20);
      m.process(sine(fs, fs * 4, 1000, [a, a]));
      const snap = m.snapshot();
      // BS.1770: -0.691 + 10 log10(sum over channels of mean square * K gain^2)
      const kGainDb = responseDb(kWeightingShelf(fs), fs, 1000) + responseDb(kWeightingHighpass(fs), fs, 1000);
      const expected = -0.691 + 10 * Math.log10(2 * ((a * a) / 2)) + kGainDb;
      expect(snap.momentaryLufs).toBeCloseTo(expected, 2);
      expect(snap.shortTermLufs).toBeCloseTo(expected, 2);
      expect(Math.abs(snap.momentaryLufs + 23)).toBeLessThan(0.1);
      expect(snap.channels[0]!.rmsDb).toBeCloseTo(-23 - 3.0103, 2);
      expect(snap.channels[1]!.peakDb).toBeCloseTo(-23, 2);
    }
  });

  for (const fs of [44100, 48000]) {
    it(`agrees with ffmpeg's ebur128 on momentary and short-term loudness (${fs} Hz)`, async () => {
      const signal = programme(fs, 8);
      const ff = await ffmpegLoudness(signal, fs, 2);
      const meters = new Meters(fs, 2);
      const bin = fs / 10;
      const ours: { m: number; s: number }[] = [];
      for (let f = 0; f + bin <= signal.length / 2; f += bin) {
        meters.process(signal.subarray(f * 2, (f + bin) * 2));
        const snap = meters.snapshot();
        ours.push({ m: snap.momentaryLufs, s: snap.shortTermLufs });
      }
      expect(ff.m.length).toBeGreaterThanOrEqual(79);
      let compared = 0;
      for (let k = 0; k < Math.min(ff.m.length, ours.length); k++) {
        if (k >= 3) {
          expect(Math.abs(ours[k]!.m - ff.m[k]!), `M at frame ${k}`).toBeLessThanOrEqual(0.2);
          compared++;
        }
        if (k >= 29) expect(Math.abs(ours[k]!.s - ff.s[k]!), `S at frame ${k}`).toBeLessThanOrEqual(0.2);
      }
      expect(compared).toBeGreaterThan(70);
      // The programme moves: a meter stuck at one value would not pass.
      const ms = ours.slice(3).map((o) => o.m);
      expect(Math.max(...ms) - Math.min(...ms)).toBeGreaterThan(6);
    });
  }

  it('holds the peak for 1.5 s of samples, then falls', () => {
    const fs = 48000;
    const m = new Meters(fs, 2);
    const block = 480;
    const total = fs * 3;
    const signal = sine(fs, total, 500, [0.1, 0.1]);
    const spikeFrame = 10_000;
    signal[spikeFrame * 2] = 0.9;
    signal[spikeFrame * 2 + 1] = -0.9;
    const holdFrames = PEAK_HOLD_SECONDS * fs;
    let fellAt = -1;
    for (let f = 0; f < total; f += block) {
      m.process(signal.subarray(f * 2, (f + block) * 2));
      const snap = m.snapshot();
      const held = snap.channels.every((c) => Math.abs(c.peakHoldDb - 20 * Math.log10(0.9)) < 0.01);
      const end = f + block; // frames processed so far
      if (end > spikeFrame && end - 1 - spikeFrame < holdFrames) expect(held, `at frame ${end}`).toBe(true);
      if (end > spikeFrame && !held && fellAt < 0) fellAt = end;
    }
    // It falls in the first block that ends past the hold time, to the current level (-20 dB).
    expect(fellAt - 1 - spikeFrame).toBeGreaterThanOrEqual(holdFrames);
    expect(fellAt - 1 - spikeFrame).toBeLessThan(holdFrames + block);
    const last = m.snapshot();
    expect(last.channels[0]!.peakHoldDb).toBeCloseTo(-20, 1);
  });

  it('reports peak and RMS since the previous snapshot and never changes the samples', () => {
    const fs = 44100;
    const m = new Meters(fs, 1);
    const loud = sine(fs, 4410, 1000, [1]);
    const copy = loud.slice();
    m.process(loud);
    expect(loud).toEqual(copy);
    expect(m.snapshot().channels[0]!.rmsDb).toBeCloseTo(-3.01, 1);
    m.process(sine(fs, 4410, 1000, [0.1]));
    const snap = m.snapshot();
    expect(snap.channels[0]!.peakDb).toBeCloseTo(-20, 1);
    expect(snap.channels[0]!.peakHoldDb).toBeCloseTo(0, 1);
    expect(snap.frames).toBe(8820);
    expect(JSON.parse(JSON.stringify(new Meters(fs, 2).snapshot())).momentaryLufs).toBe(-150);
  });
});
