import type { Processor } from '../processor';
import type { LimiterSettings } from './dsp-settings';

/** Largest float32 not above `x`: a sample stored at this value cannot round past the ceiling. */
function float32AtOrBelow(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  const bits = new Float32Array([f]);
  const view = new Uint32Array(bits.buffer);
  view[0] = view[0]! - 1; // positive float: one ulp down
  return bits[0]!;
}

/**
 * Look-ahead peak limiter, channels linked. The signal is delayed by `latencyFrames`; the gain
 * applied to a frame is the average (box filter, D+1 long) of an envelope that is at most the
 * minimum required gain over the last D+1 input frames. Every envelope value inside that box
 * has seen the frame being output, so the averaged gain never exceeds the gain that frame
 * needs: the ceiling holds by construction, with a smooth (linear-in-gain) attack of D frames.
 * A final clamp guards against float rounding and counts what it caught (`safetyClips`).
 */
export class Limiter implements Processor {
  readonly latencyFrames: number;
  private readonly window: number;
  private ceiling = 1;
  private releaseMul = 0;
  /** Delay line, interleaved, `latencyFrames` frames. */
  private readonly delay: Float32Array;
  private delayPos = 0;
  /** Monotonic deque (ascending values) of required gains with their frame numbers. */
  private readonly dqValue: Float64Array;
  private readonly dqFrame: Float64Array;
  private dqHead = 0;
  private dqSize = 0;
  /** Envelope history for the box filter. */
  private readonly box: Float64Array;
  private boxPos = 0;
  private boxSum: number;
  private envelope = 1;
  private frame = 0;
  /** Samples the final clamp had to touch (0 when the envelope did its job). */
  safetyClips = 0;
  /** Lowest gain applied in the last block, in linear units (for a gain-reduction meter). */
  lastMinGain = 1;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
    settings: LimiterSettings,
  ) {
    this.latencyFrames = Math.max(1, Math.round((settings.lookaheadMs / 1000) * sampleRate));
    this.window = this.latencyFrames + 1;
    this.delay = new Float32Array(this.latencyFrames * channels);
    this.dqValue = new Float64Array(this.window + 1);
    this.dqFrame = new Float64Array(this.window + 1);
    this.box = new Float64Array(this.window).fill(1);
    this.boxSum = this.window;
    this.configure(settings);
  }

  /** Ceiling and release take effect at once; the look-ahead is fixed at construction. */
  configure(settings: LimiterSettings): void {
    this.ceiling = float32AtOrBelow(Math.pow(10, settings.ceilingDb / 20));
    this.releaseMul = Math.exp(-1 / ((settings.releaseMs / 1000) * this.sampleRate));
  }

  get ceilingLinear(): number {
    return this.ceiling;
  }

  process(samples: Float32Array): void {
    const ch = this.channels;
    const ceiling = this.ceiling;
    // A hair under the ceiling so float64 rounding in the gain path never lands above it.
    const target = ceiling * (1 - 1e-12);
    const cap = this.dqValue.length;
    const window = this.window;
    const delay = this.delay;
    const delayLen = delay.length;
    let minGain = 1;
    for (let o = 0; o < samples.length; o += ch) {
      let peak = 0;
      for (let c = 0; c < ch; c++) {
        const a = Math.abs(samples[o + c]!);
        if (a > peak) peak = a;
      }
      const required = peak > target ? target / peak : 1;
      const n = this.frame++;

      // Sliding minimum of the required gain over the last `window` frames.
      while (this.dqSize > 0 && this.dqValue[(this.dqHead + this.dqSize - 1) % cap]! >= required) this.dqSize--;
      const tail = (this.dqHead + this.dqSize) % cap;
      this.dqValue[tail] = required;
      this.dqFrame[tail] = n;
      this.dqSize++;
      while (this.dqFrame[this.dqHead]! <= n - window) {
        this.dqHead = (this.dqHead + 1) % cap;
        this.dqSize--;
      }
      const hold = this.dqValue[this.dqHead]!;

      // Release towards 1, never above what the window requires.
      let env = 1 - (1 - this.envelope) * this.releaseMul;
      if (env > hold) env = hold;
      this.envelope = env;

      this.boxSum += env - this.box[this.boxPos]!;
      this.box[this.boxPos] = env;
      this.boxPos = this.boxPos + 1 === window ? 0 : this.boxPos + 1;
      const gain = this.boxSum / window;
      if (gain < minGain) minGain = gain;

      // Swap the frame with the delayed one, applying the gain to the delayed frame.
      for (let c = 0; c < ch; c++) {
        const delayed = delay[this.delayPos + c]!;
        delay[this.delayPos + c] = samples[o + c]!;
        let y = delayed * gain;
        if (y > ceiling) {
          y = ceiling;
          this.safetyClips++;
        } else if (y < -ceiling) {
          y = -ceiling;
          this.safetyClips++;
        }
        samples[o + c] = y;
      }
      this.delayPos += ch;
      if (this.delayPos === delayLen) this.delayPos = 0;
    }
    // Re-sum the box now and then: the running sum drifts by float rounding otherwise.
    if ((this.frame & 0xffff) < samples.length / ch) {
      let s = 0;
      for (let i = 0; i < window; i++) s += this.box[i]!;
      this.boxSum = s;
    }
    this.lastMinGain = minGain;
  }

  reset(): void {
    this.delay.fill(0);
    this.delayPos = 0;
    this.dqHead = 0;
    this.dqSize = 0;
    this.box.fill(1);
    this.boxPos = 0;
    this.boxSum = this.window;
    this.envelope = 1;
  }
}
