import type { Processor } from '../processor';
import { dbToLinear } from './db';

/** Ramp length for gain changes: long enough to avoid zipper clicks, short enough to feel instant. */
export const GAIN_RAMP_SECONDS = 0.02;

/**
 * Linear gain with a short linear ramp whenever the target changes. Used for the master gain
 * and the path gain (the chain multiplies them into one stage).
 */
export class Gain implements Processor {
  private current: number;
  private target: number;
  private step = 0;
  private rampFramesLeft = 0;
  private readonly rampFrames: number;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
    gainDb = 0,
  ) {
    this.current = dbToLinear(gainDb);
    this.target = this.current;
    this.rampFrames = Math.max(1, Math.round(GAIN_RAMP_SECONDS * sampleRate));
  }

  /** Sets the gain in dB; the change ramps over GAIN_RAMP_SECONDS from wherever it is now. */
  setGainDb(db: number): void {
    this.setLinear(dbToLinear(db));
  }

  setLinear(gain: number): void {
    if (gain === this.target) return;
    this.target = gain;
    this.rampFramesLeft = this.rampFrames;
    this.step = (gain - this.current) / this.rampFrames;
  }

  get linear(): number {
    return this.current;
  }

  process(samples: Float32Array): void {
    const ch = this.channels;
    const frames = samples.length / ch;
    let f = 0;
    if (this.rampFramesLeft > 0) {
      const n = Math.min(this.rampFramesLeft, frames);
      let g = this.current;
      for (; f < n; f++) {
        g += this.step;
        const o = f * ch;
        for (let c = 0; c < ch; c++) samples[o + c]! *= g;
      }
      this.rampFramesLeft -= n;
      this.current = this.rampFramesLeft === 0 ? this.target : g;
    }
    const g = this.current;
    if (g === 1) return;
    for (let i = f * ch; i < samples.length; i++) samples[i]! *= g;
  }

  /** A reset jumps straight to the target: there is no audio to click. */
  reset(): void {
    this.current = this.target;
    this.rampFramesLeft = 0;
  }
}
