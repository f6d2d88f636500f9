import { afterAll, describe, expect, it } from 'vitest';
import { createResampler, type Resampler } from '../../main/engine/audio/dsp/resampler';
import { AdaptiveResampler } from '../../main/engine/audio/dsp/adaptive-resampler';
import { measureFrequency, sine } from './dsp-helpers';

const open: Resampler[] = [];
afterAll(() => open.forEach((r) => r.close()));

async function fixed(channels: number, inRate: number, outRate: number): Promise<Resampler> {
  const result = await createResampler(channels, inRate, outRate);
  if (!result.ok) throw new Error(result.error.message);
  open.push(result.resampler);
  return result.resampler;
}

function blockwise(r: Resampler, input: Float32Array, channels: number, sizes: number[]): Float32Array {
  const parts: Float32Array[] = [];
  let f = 0;
  for (let k = 0; f < input.length / channels; k++) {
    const n = sizes[k % sizes.length]!;
    parts.push(r.process(input.subarray(f * channels, (f + n) * channels)));
    f += n;
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Largest deviation of a stereo output from the ideal sine at the output rate (after the edges). */
function worstError(out: Float32Array, outRate: number, frequency: number, amplitude: number): number {
  const ideal = sine(outRate, out.length / 2, frequency, [amplitude, amplitude]);
  let worst = 0;
  for (let i = 2000; i < out.length - 2000; i++) worst = Math.max(worst, Math.abs(out[i]! - ideal[i]!));
  return worst;
}

describe('fixed-ratio resampler (libsamplerate)', () => {
  it('turns 997 Hz at 44.1 kHz into 997 Hz at 48 kHz, with the length minus its exposed latency', async () => {
    const r = await fixed(2, 44100, 48000);
    const seconds = 4;
    const input = sine(44100, 44100 * seconds, 997, [0.5, 0.5]);
    const out = blockwise(r, input, 2, [441]);
    const frames = out.length / 2;
    expect(r.latencyFrames).toBeGreaterThan(0);
    expect(r.latencyFrames).toBeLessThan(200);
    expect(Math.abs(frames - (48000 * seconds - r.latencyFrames))).toBeLessThanOrEqual(2);
    expect(measureFrequency(out, 2, 48000)).toBeCloseTo(997, 2);
    // Time-aligned, clean: the output is the ideal 48 kHz sine to within -80 dB.
    expect(worstError(out, 48000, 997, 0.5)).toBeLessThan(0.5e-4);
  });

  it('gives the same samples block by block as in one go (no seams at block boundaries)', async () => {
    const input = sine(44100, 44100 * 2, 997, [0.5, -0.3]);
    const oneShot = (await fixed(2, 44100, 48000)).process(input);
    const pieces = blockwise(await fixed(2, 44100, 48000), input, 2, [441, 17, 1024, 300, 1]);
    const n = Math.min(oneShot.length, pieces.length);
    expect(Math.abs(oneShot.length - pieces.length)).toBeLessThanOrEqual(4);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(oneShot[i]! - pieces[i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('converts down too, and passes equal rates through as a copy', async () => {
    const down = await fixed(1, 48000, 44100);
    const out = blockwise(down, sine(48000, 48000 * 2, 997, [0.5]), 1, [480]);
    expect(measureFrequency(out, 1, 44100)).toBeCloseTo(997, 2);
    const same = await fixed(2, 48000, 48000);
    const block = sine(48000, 480, 997, [0.5, 0.5]);
    const copy = same.process(block);
    expect(copy).toEqual(block);
    expect(copy).not.toBe(block);
    expect(same.latencyFrames).toBe(0);
  });

  it('refuses rates outside 8..96 kHz with an error value', async () => {
    const result = await createResampler(2, 44100, 192000);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('RESAMPLER_RATE');
  });
});

describe('adaptive resampler', () => {
  it('produces 500 ppm more samples at +500 ppm over a long run', () => {
    const r = new AdaptiveResampler(2, 48000, 48000);
    r.setRatioPpm(500);
    const seconds = 20;
    const block = sine(48000, 480, 1000, [0.5, 0.5]); // 1 kHz: whole cycles per block
    let produced = 0;
    for (let k = 0; k < seconds * 100; k++) produced += r.process(block).length / 2;
    const expected = 48000 * seconds * (1 + 500e-6) - r.latencyFrames;
    expect(Math.abs(produced - expected)).toBeLessThanOrEqual(2);
    // 500 ppm of 960000 frames = 480 more (the latency is held back, not lost).
    expect(Math.abs(produced + r.latencyFrames - 48000 * seconds - 480)).toBeLessThanOrEqual(2);
  });

  it('converts 44.1 -> 48 kHz cleanly, block by block, and can be steered without a click', () => {
    const r = new AdaptiveResampler(2, 44100, 48000);
    const input = sine(44100, 44100 * 3, 997, [0.5, 0.5]);
    const out = blockwise(r, input, 2, [441, 13, 1000]);
    expect(Math.abs(out.length / 2 - (48000 * 3 - r.latencyFrames))).toBeLessThanOrEqual(2);
    expect(measureFrequency(out, 2, 48000)).toBeCloseTo(997, 2);
    expect(worstError(out, 48000, 997, 0.5)).toBeLessThan(1e-3);

    // Steering mid-stream: the waveform stays continuous (no jump larger than a sine step).
    const s = new AdaptiveResampler(1, 48000, 48000);
    const tone = sine(48000, 48000, 997, [0.5]);
    const parts: Float32Array[] = [];
    for (let k = 0; k < 100; k++) {
      s.setRatioPpm(k % 2 ? 1000 : -1000);
      parts.push(s.process(tone.subarray(k * 480, (k + 1) * 480)));
    }
    const joined = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    const maxStep = 0.5 * 2 * Math.PI * (997 / 48000) * 1.01;
    let worstStep = 0;
    // From 200 on: the tone's abrupt start at frame 0 rings (band-limited), like any good filter.
    for (let i = 200; i < joined.length; i++) worstStep = Math.max(worstStep, Math.abs(joined[i]! - joined[i - 1]!));
    expect(worstStep).toBeLessThan(maxStep);
    expect(s.ratioPpm).toBe(1000);
    s.setRatioPpm(5000);
    expect(s.ratioPpm).toBe(1000); // clamped
  });
});
