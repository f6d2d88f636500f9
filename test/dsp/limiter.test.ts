import { describe, expect, it } from 'vitest';
import { Limiter } from '../../main/engine/audio/dsp/limiter';
import { limiterSettingsSchema, type LimiterSettings } from '../../main/engine/audio/dsp/dsp-settings';
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

/** The limiter's internal state, read by name: what the fast path must leave bit for bit. */
function stateOf(lim: Limiter): Record<string, unknown> {
  const s = lim as unknown as Record<string, unknown>;
  const dqValue = s.dqValue as Float64Array;
  const dqFrame = s.dqFrame as Float64Array;
  const mask = s.dqMask as number;
  const deque: number[] = [];
  for (let i = 0; i < (s.dqSize as number); i++) deque.push(dqValue[((s.dqHead as number) + i) & mask]!, dqFrame[((s.dqHead as number) + i) & mask]!);
  return {
    deque,
    dqHead: s.dqHead,
    delay: Array.from(s.delay as Float32Array),
    delayPos: s.delayPos,
    box: Array.from(s.box as Float64Array),
    boxPos: s.boxPos,
    boxSum: s.boxSum,
    envelope: s.envelope,
    frame: s.frame,
    lastReducedFrame: s.lastReducedFrame,
    safetyClips: lim.safetyClips,
    lastMinGain: lim.lastMinGain,
  };
}

/** Deterministic 0..1 (xorshift32), for section lengths and levels. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/**
 * Program-like material: sections of a few ms to 2 s of tone + noise at -40..-3 dBFS, with
 * loud bursts (up to +9 dBFS), samples exactly at and one float32 under the ceiling, near
 * silence (subnormals) and hard zeros.
 */
function program(sampleRate: number, channels: number, seconds: number, ceiling: number, seed: number): Float32Array {
  const rnd = random(seed);
  const frames = Math.round(sampleRate * seconds);
  const out = new Float32Array(frames * channels);
  const hiss = noise(frames, channels, seed);
  const atCeiling = Math.fround(ceiling);
  const underCeiling = new Float32Array(new Int32Array([new Int32Array(new Float32Array([atCeiling]).buffer)[0]! - 1]).buffer)[0]!;
  // A quiet lead-in: the fast path runs from the start whatever follows.
  let f = Math.round(sampleRate / 2);
  for (let k = 0; k < f * channels; k++) out[k] = 0.1 * hiss[k]!;
  while (f < frames) {
    const kind = rnd();
    const len = Math.min(frames - f, Math.max(1, Math.round(rnd() * (kind < 0.1 ? 0.05 : 2) * sampleRate)));
    const level = kind < 0.1 ? Math.pow(10, (rnd() * 9) / 20) : Math.pow(10, (-40 + rnd() * 37) / 20);
    const w = (2 * Math.PI * (50 + rnd() * 5000)) / sampleRate;
    for (let i = 0; i < len; i++, f++) {
      for (let c = 0; c < channels; c++) {
        const k = f * channels + c;
        if (kind > 0.97) out[k] = (i + c) % 3 === 0 ? (i % 2 ? -atCeiling : atCeiling) : (i % 2 ? underCeiling : -underCeiling);
        else if (kind > 0.95) out[k] = kind > 0.96 ? 0 : hiss[k]! * 1e-40;
        else out[k] = level * (0.7 * Math.sin(w * f + c) + 0.3 * hiss[k]!);
      }
    }
  }
  return out;
}

const BLOCK_SIZES = [882, 1, 7, 64, 220, 221, 222, 441, 1023, 4096, 3, 65536];

/**
 * Runs `signal` through a limiter with the fast path and one without, in blocks of varying
 * size, comparing every output sample (Object.is: -0 and NaN count), the gain meter and the
 * safety counter after every block, and the whole internal state at the end.
 * `everyBlock` may reconfigure both limiters between blocks.
 */
function compareWithReference(
  sampleRate: number,
  channels: number,
  settings: Partial<LimiterSettings>,
  signal: Float32Array,
  everyBlock?: (block: number, limiters: Limiter[]) => void,
): { fast: Limiter; mismatches: number; fastAfterReduction: number } {
  const parsed = limiterSettingsSchema.parse(settings);
  const fast = new Limiter(sampleRate, channels, parsed);
  const reference = new Limiter(sampleRate, channels, parsed, { fastPath: false });
  const a = signal.slice();
  const b = signal.slice();
  let mismatches = 0;
  let fastAfterReduction = 0;
  let reduced = false;
  for (let at = 0, blocks = 0; at < a.length; blocks++) {
    everyBlock?.(blocks, [fast, reference]);
    const end = Math.min(a.length, at + BLOCK_SIZES[blocks % BLOCK_SIZES.length]! * channels);
    const before = fast.fastPathFrames;
    fast.process(a.subarray(at, end));
    if (reduced) fastAfterReduction += fast.fastPathFrames - before;
    if (reference.lastMinGain < 0.9) reduced = true;
    reference.process(b.subarray(at, end));
    for (let i = at; i < end; i++) if (!Object.is(a[i], b[i])) mismatches++;
    if (!Object.is(fast.lastMinGain, reference.lastMinGain) || fast.safetyClips !== reference.safetyClips) mismatches++;
    at = end;
  }
  expect(stateOf(fast)).toEqual(stateOf(reference));
  expect(reference.fastPathFrames).toBe(0);
  return { fast, mismatches, fastAfterReduction };
}

describe('look-ahead limiter fast path', () => {
  for (const [sampleRate, channels, lookaheadMs, releaseMs, seed] of [
    [44100, 2, 5, 80, 1],
    [44100, 1, 5, 80, 2],
    [48000, 2, 20, 1, 3],
    [8000, 1, 0.5, 10, 4],
    [96000, 2, 1, 2000, 5],
  ] as const) {
    it(`is bit for bit the per-frame path on program material (${sampleRate} Hz, ${channels} ch, ${lookaheadMs} ms look-ahead, ${releaseMs} ms release)`, () => {
      const signal = program(sampleRate, channels, 40, Math.pow(10, -1 / 20), seed);
      const { fast, mismatches, fastAfterReduction } = compareWithReference(sampleRate, channels, { lookaheadMs, releaseMs }, signal);
      expect(mismatches).toBe(0);
      // Not vacuous: both paths ran, and with a short release the fast one came back after
      // reductions (a 2 s release needs ~40 s of no reduction: this material never gives it).
      expect(fast.fastPathFrames).toBeGreaterThan(sampleRate / 4);
      expect(fast.fastPathFrames).toBeLessThan(signal.length / channels - sampleRate);
      if (releaseMs <= 80) expect(fastAfterReduction).toBeGreaterThan(sampleRate);
    });
  }

  it('is bit for bit the per-frame path through ceiling changes, resets and NaN', () => {
    const sampleRate = 44100;
    const signal = program(sampleRate, 2, 30, Math.pow(10, -6 / 20), 7);
    signal[sampleRate * 2 * 5 + 1] = NaN; // a NaN from upstream is passed, not limited on
    const ceilings = [-1, -6, -0.1, -24, 0, -3];
    const { fast, mismatches } = compareWithReference(sampleRate, 2, { releaseMs: 20 }, signal, (block, limiters) => {
      if (block % 97 === 50) for (const lim of limiters) lim.configure(limiterSettingsSchema.parse({ ceilingDb: ceilings[(block / 97) | 0 % ceilings.length], releaseMs: 20 }));
      if (block % 331 === 200) for (const lim of limiters) lim.reset();
    });
    expect(mismatches).toBe(0);
    expect(fast.fastPathFrames).toBeGreaterThan(sampleRate);
  });

  it('is bit for bit the per-frame path on white noise around the ceiling', () => {
    const sampleRate = 48000;
    const signal = noise(sampleRate * 20, 2, 42);
    const rnd = random(9);
    // Blocks of noise scaled to land just under, at, or over the ceiling.
    for (let i = 0; i < signal.length; i += 2000) {
      const scale = Math.pow(10, (-1.2 + rnd() * 0.4) / 20);
      for (let k = i; k < Math.min(signal.length, i + 2000); k++) signal[k] = signal[k]! * scale;
    }
    const { fast, mismatches } = compareWithReference(sampleRate, 2, {}, signal);
    expect(mismatches).toBe(0);
    expect(fast.fastPathFrames).toBeGreaterThan(0);
  });

  it('takes every block of a signal under the ceiling, and is a pure delay there', () => {
    const sampleRate = 44100;
    const lim = new Limiter(sampleRate, 2, limiterSettingsSchema.parse({}));
    const input = sine(sampleRate, sampleRate * 10, 997, [0.25, 0.25]); // -12 dBFS
    const output = input.slice();
    inBlocks(output, 2, 882, (b) => lim.process(b));
    expect(lim.fastPathFrames).toBe(sampleRate * 10);
    expect(lim.lastMinGain).toBe(1);
    const d = lim.latencyFrames * 2;
    let mismatches = 0;
    for (let i = 0; i < output.length; i++) if (output[i] !== (i < d ? 0 : input[i - d])) mismatches++;
    expect(mismatches).toBe(0);
  });

  for (const releaseMs of [80, 300]) {
    it(`comes back within seconds after a loud burst (${releaseMs} ms release)`, () => {
      const sampleRate = 44100;
      const settings = limiterSettingsSchema.parse({ releaseMs });
      const lim = new Limiter(sampleRate, 2, settings);
      const block = 882;
      const burstEnd = sampleRate; // 1 s of tone at +6 dBFS over -1 dBFS, then -12 dBFS
      const input = sine(sampleRate, sampleRate * 60, 997, [0.25, 0.25]);
      for (let i = 0; i < burstEnd * 2; i++) input[i] = input[i]! * 8;
      let engagedAt = -1; // first frame of a fast block after the burst
      let unityAt = -1; // first block after the burst with gain exactly 1 throughout
      for (let at = 0; at < input.length / 2; at += block) {
        const before = lim.fastPathFrames;
        lim.process(input.subarray(at * 2, (at + block) * 2));
        if (at < burstEnd) continue;
        if (engagedAt < 0 && lim.fastPathFrames > before) engagedAt = at;
        if (unityAt < 0 && lim.lastMinGain === 1) unityAt = at;
        // Once engaged it stays engaged: the tone never needs reduction.
        if (engagedAt >= 0) expect(lim.fastPathFrames - before).toBe(block);
      }
      // The envelope snaps to 1 after ln(2^30) ~ 20.8 release time constants, the box is all
      // ones one box later; gain exactly 1 then waits at most one re-sum of the box (65536 frames).
      const settleFrames = 21 * (releaseMs / 1000) * sampleRate + lim.latencyFrames + 1 + block;
      expect(engagedAt).toBeGreaterThan(burstEnd);
      expect(engagedAt - burstEnd).toBeLessThan(settleFrames);
      expect(unityAt).toBeGreaterThanOrEqual(engagedAt);
      expect(unityAt - burstEnd).toBeLessThan(settleFrames + 65536 + block);
      console.log(
        `limiter ${releaseMs} ms release: fast path back ${((engagedAt - burstEnd) / sampleRate).toFixed(2)} s after the burst, gain exactly 1 after ${((unityAt - burstEnd) / sampleRate).toFixed(2)} s`,
      );
    });
  }
});

describe('look-ahead limiter fast path, frame by frame', () => {
  for (const channels of [1, 2]) {
    it(`engages exactly when the box is all ones and the frame needs nothing (${channels} ch)`, () => {
      // Short look-ahead and release (window 5 frames, release ~8 frames) so recoveries are
      // many; one-frame blocks test every frame boundary against the reference's state.
      const sampleRate = 8000;
      const settings = limiterSettingsSchema.parse({ lookaheadMs: 0.5, releaseMs: 1 });
      const fast = new Limiter(sampleRate, channels, settings);
      const reference = new Limiter(sampleRate, channels, settings, { fastPath: false });
      const signal = noise(20000, channels, 77 + channels).map((v) => v * 0.5);
      const rnd = random(5);
      for (let f = 100; f < 20000; f += 50 + Math.floor(rnd() * 400)) signal[f * channels] = rnd() < 0.5 ? 2 : -1.5;
      const target = reference.ceilingLinear * (1 - 1e-12);
      let engaged = 0;
      let wrong = 0;
      for (let f = 0; f < 20000; f++) {
        const boxAllOnes = (stateOf(reference).box as number[]).every((v) => v === 1);
        let quiet = true;
        for (let c = 0; c < channels; c++) if (Math.abs(signal[f * channels + c]!) > target) quiet = false;
        const a = signal.slice(f * channels, (f + 1) * channels);
        const b = a.slice();
        const before = fast.fastPathFrames;
        fast.process(a);
        reference.process(b);
        const tookFast = fast.fastPathFrames > before;
        if (tookFast) engaged++;
        if (tookFast !== (boxAllOnes && quiet)) wrong++;
        for (let c = 0; c < channels; c++) if (!Object.is(a[c], b[c])) wrong++;
        if (!Object.is(fast.lastMinGain, reference.lastMinGain)) wrong++;
      }
      expect(wrong).toBe(0);
      expect(engaged).toBeGreaterThan(5000);
      expect(engaged).toBeLessThan(19000);
      expect(stateOf(fast)).toEqual(stateOf(reference));
    });
  }
});
