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

/** The bits of a non-negative float32 (as int32: ordered as the values are). */
function float32Bits(x: number): number {
  return new Int32Array(new Float32Array([x]).buffer)[0]!;
}

/**
 * The release is over once the reduction left is under 2^-30 (1e-8 dB; a float32 sample times
 * a gain that close to 1 rounds back to itself): the envelope snaps to 1. Without
 * it the exponential release sticks a few ulps under 1 (1 - (1 - env) * releaseMul rounds
 * back to env once (1 - env) * (1 - releaseMul) is under half an ulp), and the fast path
 * would never come back after a reduction. Takes about 21 release time constants.
 */
const RELEASE_DONE = 1 - 2 ** -30;

/** Smallest power of two >= n (deque capacity: index wrap by mask, not `%`). */
function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export interface LimiterOptions {
  /** Test seam: false sends every frame through the per-frame path (the reference). */
  fastPath?: boolean;
}

/**
 * Look-ahead peak limiter, channels linked. The signal is delayed by `latencyFrames`; the gain
 * applied to a frame is the average (box filter, D+1 long) of an envelope that is at most the
 * minimum required gain over the last D+1 input frames. Every envelope value inside that box
 * has seen the frame being output, so the averaged gain never exceeds the gain that frame
 * needs: the ceiling holds by construction, with a smooth (linear-in-gain) attack of D frames.
 * A final clamp guards against float rounding and counts what it caught (`safetyClips`).
 *
 * Fast path: the limiter is on by default and mostly idle (program below the ceiling), so a block whose
 * leading frames are all under the ceiling while the envelope has been exactly 1 for a whole
 * box is a pure delay (times the box gain): copied through the delay line in bulk, with the
 * state left bit for bit as the per-frame path would leave it (test/dsp/limiter.test.ts).
 * It saves ~80 % of the limiter's CPU on such blocks; after a reduction it comes back once the
 * release has run out (RELEASE_DONE).
 */
export class Limiter implements Processor {
  readonly latencyFrames: number;
  private readonly window: number;
  private ceiling = 1;
  /** A hair under the ceiling so float64 rounding in the gain path never lands above it. */
  private target = 1;
  /**
   * Bits of the largest float32 <= target: a float32 sample needs no reduction exactly when
   * its magnitude's bits are not above these (NaN's are above: it takes the per-frame path).
   */
  private quietBits = 0;
  private releaseMul = 0;
  private readonly fastPathEnabled: boolean;
  /** Delay line, interleaved, `latencyFrames` frames. */
  private readonly delay: Float32Array;
  private delayPos = 0;
  /** The delay line's old content while the fast path rotates it. */
  private readonly scratch: Float32Array;
  /** Monotonic deque (strictly ascending values) of required gains with their frame numbers. */
  private readonly dqValue: Float64Array;
  private readonly dqFrame: Float64Array;
  private readonly dqMask: number;
  private dqHead = 0;
  private dqSize = 0;
  /** Envelope history for the box filter. */
  private readonly box: Float64Array;
  private boxPos = 0;
  private boxSum: number;
  private envelope = 1;
  private frame = 0;
  /**
   * Last frame whose envelope was below 1. Once `window` frames have passed since, every box
   * value is 1 and the deque holds a single 1 (envelope 1 means the window required nothing).
   */
  private lastReducedFrame = -Infinity;
  /** Samples the final clamp had to touch (0 when the envelope did its job). */
  safetyClips = 0;
  /** Lowest gain applied in the last block, in linear units (for a gain-reduction meter). */
  lastMinGain = 1;
  /** Frames that went through the fast path (for tests and diagnostics). */
  fastPathFrames = 0;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
    settings: LimiterSettings,
    options: LimiterOptions = {},
  ) {
    this.latencyFrames = Math.max(1, Math.round((settings.lookaheadMs / 1000) * sampleRate));
    this.window = this.latencyFrames + 1;
    this.fastPathEnabled = options.fastPath ?? true;
    this.delay = new Float32Array(this.latencyFrames * channels);
    this.scratch = new Float32Array(this.delay.length);
    // The deque holds up to window + 1 entries between a push and the expiry of the oldest.
    const cap = powerOfTwoAtLeast(this.window + 1);
    this.dqValue = new Float64Array(cap);
    this.dqFrame = new Float64Array(cap);
    this.dqMask = cap - 1;
    this.box = new Float64Array(this.window).fill(1);
    this.boxSum = this.window;
    this.configure(settings);
  }

  /** Ceiling and release take effect at once; the look-ahead is fixed at construction. */
  configure(settings: LimiterSettings): void {
    this.ceiling = float32AtOrBelow(Math.pow(10, settings.ceilingDb / 20));
    this.target = this.ceiling * (1 - 1e-12);
    this.quietBits = float32Bits(float32AtOrBelow(this.target));
    this.releaseMul = Math.exp(-1 / ((settings.releaseMs / 1000) * this.sampleRate));
  }

  get ceilingLinear(): number {
    return this.ceiling;
  }

  process(samples: Float32Array): void {
    const ch = this.channels;
    let minGain = 1;
    let from = 0;
    if (this.fastPathEnabled && this.frame - this.lastReducedFrame > this.window) {
      // Leading frames that require no reduction, found on the bits (faster than Math.abs).
      const bits = new Int32Array(samples.buffer, samples.byteOffset, samples.length);
      const quietBits = this.quietBits;
      const n = bits.length;
      let quiet = n;
      for (let i = 0; i < n; i++) {
        if ((bits[i]! & 0x7fffffff) > quietBits) {
          quiet = i - (i % ch);
          break;
        }
      }
      if (quiet > 0) {
        minGain = this.passThrough(samples.subarray(0, quiet));
        from = quiet;
      }
    }
    if (from < samples.length) {
      const slowMin = this.limitFrames(samples, from);
      if (slowMin < minGain) minGain = slowMin;
    }
    // Re-sum the box once per 65536 frames (every block if blocks are longer): the running
    // sum drifts by float rounding otherwise. With every box value 1 the re-sum is exactly
    // `window` (a sum of small integers); `&` reads the low bits of any frame count < 2^53.
    if ((this.frame & 0xffff) < samples.length / ch) {
      let s = 0;
      for (let i = 0; i < this.window; i++) s += this.box[i]!;
      this.boxSum = s;
    }
    this.lastMinGain = minGain;
  }

  /**
   * Fast path for frames that require no reduction while every box value is 1: what the
   * per-frame path would do, in bulk. Its gain is boxSum / window for every frame (boxSum
   * gains 1 - 1 = 0 per frame); that is exactly 1 unless the running sum drifted, until the
   * next re-sum. Returns the lowest gain applied.
   */
  private passThrough(samples: Float32Array): number {
    const frames = samples.length / this.channels;
    this.rotateDelay(samples);
    const gain = this.boxSum / this.window;
    if (gain !== 1) {
      const ceiling = this.ceiling;
      for (let i = 0; i < samples.length; i++) {
        let y = samples[i]! * gain;
        if (y > ceiling) {
          y = ceiling;
          this.safetyClips++;
        } else if (y < -ceiling) {
          y = -ceiling;
          this.safetyClips++;
        }
        samples[i] = y;
      }
    }
    // The per-frame path leaves the deque holding the last frame's required gain, 1, alone.
    this.frame += frames;
    this.dqValue[this.dqHead] = 1;
    this.dqFrame[this.dqHead] = this.frame - 1;
    this.dqSize = 1;
    this.boxPos = (this.boxPos + frames) % this.window;
    this.fastPathFrames += frames;
    return gain < 1 ? gain : 1;
  }

  /** Swaps `samples` through the delay line: out come the delayed samples, in go the new. */
  private rotateDelay(samples: Float32Array): void {
    const delay = this.delay;
    const len = delay.length;
    const n = samples.length;
    const pos = this.delayPos;
    const scratch = this.scratch;
    if (n <= len) {
      // The block swaps with the n samples at `pos` (wrapping).
      const first = Math.min(n, len - pos);
      scratch.set(delay.subarray(pos, pos + first), 0);
      scratch.set(delay.subarray(0, n - first), first);
      delay.set(samples.subarray(0, first), pos);
      delay.set(samples.subarray(first, n), 0);
      samples.set(scratch.subarray(0, n), 0);
    } else {
      // Out: the whole delay line from `pos`, then the block's head; in: the block's tail,
      // laid out so that reading from the new position gives it in order.
      scratch.set(delay.subarray(pos), 0);
      scratch.set(delay.subarray(0, pos), len - pos);
      const next = (pos + n) % len;
      const tail = samples.subarray(n - len);
      delay.set(tail.subarray(0, len - next), next);
      delay.set(tail.subarray(len - next), 0);
      samples.copyWithin(len, 0, n - len);
      samples.set(scratch, 0);
    }
    this.delayPos = (pos + n) % len;
  }

  /** The per-frame path over samples[from..]; returns the lowest gain applied. */
  private limitFrames(samples: Float32Array, from: number): number {
    const ch = this.channels;
    const target = this.target;
    const ceiling = this.ceiling;
    const releaseMul = this.releaseMul;
    const window = this.window;
    const dqValue = this.dqValue;
    const dqFrame = this.dqFrame;
    const mask = this.dqMask;
    const box = this.box;
    const delay = this.delay;
    const delayLen = delay.length;
    let dqHead = this.dqHead;
    let dqSize = this.dqSize;
    let boxPos = this.boxPos;
    let boxSum = this.boxSum;
    let envelope = this.envelope;
    let delayPos = this.delayPos;
    let n = this.frame;
    let lastReduced = this.lastReducedFrame;
    let minGain = 1;
    for (let o = from; o < samples.length; o += ch, n++) {
      let peak = 0;
      for (let c = 0; c < ch; c++) {
        const a = Math.abs(samples[o + c]!);
        if (a > peak) peak = a;
      }
      const required = peak > target ? target / peak : 1;

      // Sliding minimum of the required gain over the last `window` frames.
      while (dqSize > 0 && dqValue[(dqHead + dqSize - 1) & mask]! >= required) dqSize--;
      const tail = (dqHead + dqSize) & mask;
      dqValue[tail] = required;
      dqFrame[tail] = n;
      dqSize++;
      while (dqFrame[dqHead]! <= n - window) {
        dqHead = (dqHead + 1) & mask;
        dqSize--;
      }
      const hold = dqValue[dqHead]!;

      // Release towards 1, never above what the window requires.
      let env = 1 - (1 - envelope) * releaseMul;
      if (env > RELEASE_DONE) env = 1;
      if (env > hold) env = hold;
      envelope = env;
      if (env < 1) lastReduced = n;

      boxSum += env - box[boxPos]!;
      box[boxPos] = env;
      boxPos = boxPos + 1 === window ? 0 : boxPos + 1;
      const gain = boxSum / window;
      if (gain < minGain) minGain = gain;

      // Swap the frame with the delayed one, applying the gain to the delayed frame.
      for (let c = 0; c < ch; c++) {
        const delayed = delay[delayPos + c]!;
        delay[delayPos + c] = samples[o + c]!;
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
      delayPos += ch;
      if (delayPos === delayLen) delayPos = 0;
    }
    this.dqHead = dqHead;
    this.dqSize = dqSize;
    this.boxPos = boxPos;
    this.boxSum = boxSum;
    this.envelope = envelope;
    this.delayPos = delayPos;
    this.frame = n;
    this.lastReducedFrame = lastReduced;
    return minGain;
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
    this.lastReducedFrame = -Infinity;
  }
}
