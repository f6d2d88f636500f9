import type { Resampler } from './resampler';

/** Steering range around the nominal ratio: enough for any clock a PTP servo will meet. */
export const MAX_STEER_PPM = 1000;
/** Kernel half-length in input frames (48 taps) and table resolution between input frames. */
const HALF = 24;
const TAPS = 2 * HALF;
const PHASES = 512;
const KAISER_BETA = 8.5;
/** Pass band edge relative to the lower Nyquist: flat to ~21.6 kHz at 48 kHz. */
const CUTOFF = 0.9;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Windowed-sinc table: row p holds the taps for a read position p/PHASES past an input frame. */
function buildKernel(cutoffCyclesPerSample: number): Float64Array {
  const table = new Float64Array((PHASES + 1) * TAPS);
  const i0Beta = besselI0(KAISER_BETA);
  const fc2 = 2 * cutoffCyclesPerSample;
  for (let p = 0; p <= PHASES; p++) {
    const frac = p / PHASES;
    let sum = 0;
    for (let j = 0; j < TAPS; j++) {
      const x = j - (HALF - 1) - frac; // distance from the read position, in input frames
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * fc2 * x) / (Math.PI * fc2 * x);
      const r = x / HALF;
      const w = Math.abs(r) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
      const v = fc2 * sinc * w;
      table[p * TAPS + j] = v;
      sum += v;
    }
    // Unity DC gain in every phase: no ripple as the read position slides.
    for (let j = 0; j < TAPS; j++) table[p * TAPS + j]! /= sum;
  }
  return table;
}

/**
 * A resampler whose ratio can be steered by up to +-1000 ppm around nominal while it runs
 * (the AES67 sender follows the PTP clock with it). Band-limited interpolation with a 48-tap
 * Kaiser-windowed sinc, interpolated between 512 phases; the read position is continuous, so
 * steering never clicks. libsamplerate-js cannot do this (see resampler.ts).
 */
export class AdaptiveResampler implements Resampler {
  readonly latencyFrames: number;
  private readonly kernel: Float64Array;
  private readonly nominalStep: number;
  private step: number;
  private ppm = 0;
  /** Input history, interleaved; frame 0 of `buffer` is input frame `bufferStart`. */
  private buffer: Float32Array;
  private bufferFrames = 0;
  /** Read position: the integer frame (relative to `buffer`) and the fraction past it. */
  private pos = 0;
  private frac = 0;

  constructor(
    readonly channels: number,
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    this.nominalStep = inputRate / outputRate;
    this.step = this.nominalStep;
    this.kernel = buildKernel((CUTOFF / 2) * Math.min(1, outputRate / inputRate));
    this.latencyFrames = Math.round(HALF * (outputRate / inputRate));
    this.buffer = new Float32Array(4096 * channels);
    this.reset();
  }

  /** Steers the ratio: +500 means 500 ppm more output frames than nominal. Clamped to +-1000. */
  setRatioPpm(ppm: number): void {
    this.ppm = Math.max(-MAX_STEER_PPM, Math.min(MAX_STEER_PPM, ppm));
    this.step = this.nominalStep / (1 + this.ppm * 1e-6);
  }

  get ratioPpm(): number {
    return this.ppm;
  }

  process(input: Float32Array): Float32Array {
    const ch = this.channels;
    this.append(input);
    // Output frame at read position pos+frac needs input frames pos-HALF+1 .. pos+HALF.
    const last = this.bufferFrames - HALF - 1;
    const capacity = Math.max(0, Math.ceil((last - this.pos + 1) / this.step) + 2);
    const out = new Float32Array(capacity * ch);
    const kernel = this.kernel;
    const buf = this.buffer;
    let n = 0;
    let pos = this.pos;
    let frac = this.frac;
    while (pos <= last && n < capacity) {
      const phase = frac * PHASES;
      const p = Math.floor(phase);
      const w = phase - p;
      const row0 = p * TAPS;
      const row1 = row0 + TAPS;
      const first = (pos - HALF + 1) * ch;
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let j = 0, i = first + c; j < TAPS; j++, i += ch) {
          const k0 = kernel[row0 + j]!;
          acc += buf[i]! * (k0 + w * (kernel[row1 + j]! - k0));
        }
        out[n * ch + c] = acc;
      }
      n++;
      frac += this.step;
      const whole = Math.floor(frac);
      pos += whole;
      frac -= whole;
    }
    this.pos = pos;
    this.frac = frac;
    this.discardConsumed();
    return n === capacity ? out : out.slice(0, n * ch);
  }

  reset(): void {
    // Zero history before frame 0 so output frame 0 sits at input time 0.
    this.buffer.fill(0);
    this.bufferFrames = HALF - 1;
    this.pos = HALF - 1;
    this.frac = 0;
  }

  close(): void {}

  private append(input: Float32Array): void {
    const ch = this.channels;
    const needed = (this.bufferFrames * ch) + input.length;
    if (needed > this.buffer.length) {
      const bigger = new Float32Array(Math.max(needed, this.buffer.length * 2));
      bigger.set(this.buffer.subarray(0, this.bufferFrames * ch));
      this.buffer = bigger;
    }
    this.buffer.set(input, this.bufferFrames * ch);
    this.bufferFrames += input.length / ch;
  }

  /** Drops input frames no future output can reach. */
  private discardConsumed(): void {
    const keepFrom = this.pos - HALF + 1;
    if (keepFrom <= 0) return;
    const ch = this.channels;
    this.buffer.copyWithin(0, keepFrom * ch, this.bufferFrames * ch);
    this.bufferFrames -= keepFrom;
    this.pos -= keepFrom;
  }
}
