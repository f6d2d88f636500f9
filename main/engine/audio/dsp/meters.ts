import type { Processor } from '../processor';
import { kWeightingHighpass, kWeightingShelf, loudnessFromPower } from './k-weighting';
import { linearToDb, powerToDb } from './db';

export const PEAK_HOLD_SECONDS = 1.5;
/** Loudness is integrated in 100 ms bins, as EBU Tech 3341 and ffmpeg's ebur128 update. */
const BIN_SECONDS = 0.1;
const MOMENTARY_BINS = 4; // 400 ms
const SHORT_TERM_BINS = 30; // 3 s

export interface ChannelMeterReading {
  /** Highest sample magnitude since the previous snapshot, dBFS. */
  peakDb: number;
  /** Highest peak, held for 1.5 s, then it falls to the current peak. */
  peakHoldDb: number;
  /** RMS since the previous snapshot, dBFS (a full-scale sine reads -3 dB). */
  rmsDb: number;
}

export interface MeterSnapshot {
  /** Frames measured since start or reset: where this snapshot sits in the stream. */
  frames: number;
  channels: ChannelMeterReading[];
  /** EBU R128 momentary loudness (400 ms), LUFS, updated every 100 ms. */
  momentaryLufs: number;
  /** EBU R128 short-term loudness (3 s), LUFS, updated every 100 ms. */
  shortTermLufs: number;
}

/**
 * Level meters for one stream of blocks. Per sample it only finds peaks, sums squares and
 * runs the two K-weighting biquads; everything else happens per block or per snapshot.
 * Read-only: it never changes the samples.
 */
export class Meters implements Processor {
  private readonly holdFrames: number;
  private readonly shelf;
  private readonly highpass;
  /** K-weighting state per channel: shelf x1 x2 y1 y2, high-pass y1 y2 (its input is the shelf output). */
  private readonly kState: Float64Array;
  private readonly peakSince: Float64Array;
  private readonly sumSqSince: Float64Array;
  private framesSince = 0;
  private readonly hold: Float64Array;
  private readonly holdLeft: Float64Array;
  private last: ChannelMeterReading[];
  /** Ring of completed bins: K-weighted sum of squares, channels summed. */
  private readonly binSum = new Float64Array(SHORT_TERM_BINS);
  private binIndex = 0;
  private binsDone = 0;
  private binAccum = 0;
  private binFill = 0;
  private frames = 0;
  private momentary: number;
  private shortTerm: number;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
  ) {
    this.holdFrames = Math.round(PEAK_HOLD_SECONDS * sampleRate);
    this.shelf = kWeightingShelf(sampleRate);
    this.highpass = kWeightingHighpass(sampleRate);
    this.kState = new Float64Array(channels * 6);
    this.peakSince = new Float64Array(channels);
    this.sumSqSince = new Float64Array(channels);
    this.hold = new Float64Array(channels);
    this.holdLeft = new Float64Array(channels);
    this.last = this.emptyReadings();
    this.momentary = loudnessFromPower(0);
    this.shortTerm = this.momentary;
  }

  process(samples: Float32Array): void {
    const ch = this.channels;
    const frames = samples.length / ch;
    for (let c = 0; c < ch; c++) this.measurePeaks(samples, c, frames);
    this.framesSince += frames;
    // Loudness: split the block where 100 ms bins end.
    let start = 0;
    while (start < frames) {
      const binEnd = this.binLength(this.binsDone);
      const end = Math.min(frames, start + (binEnd - this.binFill));
      for (let c = 0; c < ch; c++) this.binAccum += this.kWeightedSquares(samples, c, start, end);
      this.binFill += end - start;
      start = end;
      if (this.binFill === binEnd) this.closeBin();
    }
    this.frames += frames;
  }

  /** The readings since the previous snapshot (peak and RMS restart after each call). */
  snapshot(): MeterSnapshot {
    if (this.framesSince > 0) {
      this.last = [];
      for (let c = 0; c < this.channels; c++) {
        this.last.push({
          peakDb: linearToDb(this.peakSince[c]!),
          peakHoldDb: linearToDb(this.hold[c]!),
          rmsDb: powerToDb(this.sumSqSince[c]! / this.framesSince),
        });
      }
      this.peakSince.fill(0);
      this.sumSqSince.fill(0);
      this.framesSince = 0;
    }
    return {
      frames: this.frames,
      channels: this.last.map((r) => ({ ...r })),
      momentaryLufs: this.momentary,
      shortTermLufs: this.shortTerm,
    };
  }

  reset(): void {
    this.kState.fill(0);
    this.peakSince.fill(0);
    this.sumSqSince.fill(0);
    this.framesSince = 0;
    this.hold.fill(0);
    this.holdLeft.fill(0);
    this.last = this.emptyReadings();
    this.binSum.fill(0);
    this.binIndex = 0;
    this.binsDone = 0;
    this.binAccum = 0;
    this.binFill = 0;
    this.frames = 0;
    this.momentary = loudnessFromPower(0);
    this.shortTerm = this.momentary;
  }

  private emptyReadings(): ChannelMeterReading[] {
    const silent = linearToDb(0);
    return Array.from({ length: this.channels }, () => ({ peakDb: silent, peakHoldDb: silent, rmsDb: silent }));
  }

  private measurePeaks(samples: Float32Array, c: number, frames: number): void {
    const ch = this.channels;
    let peak = 0;
    let peakFrame = 0;
    let sumSq = 0;
    for (let i = c, f = 0; i < samples.length; i += ch, f++) {
      const s = samples[i]!;
      sumSq += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) {
        peak = a;
        peakFrame = f;
      }
    }
    if (peak > this.peakSince[c]!) this.peakSince[c] = peak;
    this.sumSqSince[c]! += sumSq;
    // Hold: counted in frames from the peak sample itself.
    if (peak >= this.hold[c]!) {
      this.hold[c] = peak;
      this.holdLeft[c] = this.holdFrames - (frames - 1 - peakFrame);
    } else {
      this.holdLeft[c]! -= frames;
      if (this.holdLeft[c]! <= 0) {
        this.hold[c] = peak;
        this.holdLeft[c] = this.holdFrames - (frames - 1 - peakFrame);
      }
    }
  }

  /** Frames in bin number n: bins end at round(k * fs / 10), exact for any rate over time. */
  private binLength(n: number): number {
    const perBin = this.sampleRate * BIN_SECONDS;
    return Math.round((n + 1) * perBin) - Math.round(n * perBin);
  }

  private kWeightedSquares(samples: Float32Array, c: number, start: number, end: number): number {
    const ch = this.channels;
    const s = this.kState;
    const o = c * 6;
    const { b0, b1, b2, a1, a2 } = this.shelf;
    const h = this.highpass;
    let x1 = s[o]!;
    let x2 = s[o + 1]!;
    let y1 = s[o + 2]!;
    let y2 = s[o + 3]!;
    let z1 = s[o + 4]!;
    let z2 = s[o + 5]!;
    let sum = 0;
    for (let i = start * ch + c; i < end * ch; i += ch) {
      const x = samples[i]!;
      const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      const z = h.b0 * y + h.b1 * y1 + h.b2 * y2 - h.a1 * z1 - h.a2 * z2;
      x2 = x1;
      x1 = x;
      y2 = y1;
      y1 = y;
      z2 = z1;
      z1 = z;
      sum += z * z;
    }
    s[o] = x1;
    s[o + 1] = x2;
    s[o + 2] = Math.abs(y1) < 1e-30 ? 0 : y1;
    s[o + 3] = Math.abs(y2) < 1e-30 ? 0 : y2;
    s[o + 4] = Math.abs(z1) < 1e-30 ? 0 : z1;
    s[o + 5] = Math.abs(z2) < 1e-30 ? 0 : z2;
    return sum;
  }

  private closeBin(): void {
    this.binSum[this.binIndex] = this.binAccum;
    this.binIndex = (this.binIndex + 1) % SHORT_TERM_BINS;
    this.binsDone++;
    this.binAccum = 0;
    this.binFill = 0;
    this.momentary = this.windowLoudness(MOMENTARY_BINS);
    this.shortTerm = this.windowLoudness(SHORT_TERM_BINS);
  }

  /**
   * Loudness over the last `bins` bins. Before the stream is that long the missing time counts
   * as silence, so the meter rises at the start (ffmpeg's ebur128 prints -120.7 until the
   * window is full; from then on the two agree).
   */
  private windowLoudness(bins: number): number {
    let sum = 0;
    for (let k = 1; k <= bins; k++) {
      const i = (this.binIndex - k + SHORT_TERM_BINS) % SHORT_TERM_BINS;
      sum += this.binSum[i]!;
    }
    const windowFrames = bins * this.sampleRate * BIN_SECONDS;
    return loudnessFromPower(sum / windowFrames);
  }
}
