/**
 * Second-order IIR sections (normalised: a0 = 1) and their design formulas.
 * Coefficients and state are float64: low-frequency sections (32 Hz at 96 kHz) lose
 * precision badly in float32.
 */
export interface BiquadCoefficients {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export const IDENTITY: BiquadCoefficients = { b0: 1, b1: 0, b2: 0, a1: 0, a2: 0 };

/** RBJ Audio EQ Cookbook peaking EQ. */
export function peakingCoefficients(sampleRate: number, frequency: number, q: number, gainDb: number): BiquadCoefficients {
  const a = Math.pow(10, gainDb / 40);
  const w0 = (2 * Math.PI * frequency) / sampleRate;
  const alpha = Math.sin(w0) / (2 * q);
  const cos = Math.cos(w0);
  const a0 = 1 + alpha / a;
  return {
    b0: (1 + alpha * a) / a0,
    b1: (-2 * cos) / a0,
    b2: (1 - alpha * a) / a0,
    a1: (-2 * cos) / a0,
    a2: (1 - alpha / a) / a0,
  };
}

/** Magnitude response in dB at a frequency: for tests and the UI curve. */
export function responseDb(c: BiquadCoefficients, sampleRate: number, frequency: number): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  const cos1 = Math.cos(w);
  const sin1 = Math.sin(w);
  const cos2 = Math.cos(2 * w);
  const sin2 = Math.sin(2 * w);
  const nr = c.b0 + c.b1 * cos1 + c.b2 * cos2;
  const ni = -(c.b1 * sin1 + c.b2 * sin2);
  const dr = 1 + c.a1 * cos1 + c.a2 * cos2;
  const di = -(c.a1 * sin1 + c.a2 * sin2);
  return 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
}

/**
 * One biquad over interleaved audio, state per channel (direct form I: coefficient changes
 * between blocks do not disturb the stored state the way they do in transposed forms).
 */
export class BiquadFilter {
  private c: BiquadCoefficients;
  /** Per channel: x1, x2, y1, y2. */
  private readonly state: Float64Array;

  constructor(
    readonly channels: number,
    coefficients: BiquadCoefficients = IDENTITY,
  ) {
    this.c = coefficients;
    this.state = new Float64Array(channels * 4);
  }

  setCoefficients(c: BiquadCoefficients): void {
    this.c = c;
  }

  /** Filters one channel of `samples` in place (stride = channel count). */
  processChannel(samples: Float32Array, channel: number): void {
    const { b0, b1, b2, a1, a2 } = this.c;
    const s = this.state;
    const o = channel * 4;
    let x1 = s[o]!;
    let x2 = s[o + 1]!;
    let y1 = s[o + 2]!;
    let y2 = s[o + 3]!;
    const stride = this.channels;
    for (let i = channel; i < samples.length; i += stride) {
      const x = samples[i]!;
      const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = x;
      y2 = y1;
      y1 = y;
      samples[i] = y;
    }
    // Denormals cost a lot in long silences: flush tiny state to zero.
    s[o] = x1;
    s[o + 1] = x2;
    s[o + 2] = Math.abs(y1) < 1e-30 ? 0 : y1;
    s[o + 3] = Math.abs(y2) < 1e-30 ? 0 : y2;
  }

  process(samples: Float32Array): void {
    for (let ch = 0; ch < this.channels; ch++) this.processChannel(samples, ch);
  }

  reset(): void {
    this.state.fill(0);
  }
}
