import { appError, type AppError } from '../../../shared/errors';
import { linearToDb } from './db';

/** BUTT refuses shorter durations; so do we. */
export const MIN_DETECTION_SECONDS = 0.1;

export interface SignalDetectorSettings {
  /** Signal is present while the level is above this (dBFS). BUTT default -50. */
  presentLevelDb: number;
  /** ...for this long (seconds, >= 0.1). */
  presentSeconds: number;
  /** Signal is absent (silence) while the level is below this (dBFS). BUTT default -50. */
  absentLevelDb: number;
  /** ...for this long (seconds, >= 0.1). */
  absentSeconds: number;
}

export const DEFAULT_SIGNAL_DETECTOR: SignalDetectorSettings = {
  presentLevelDb: -50,
  presentSeconds: 1,
  absentLevelDb: -50,
  absentSeconds: 1,
};

export type SignalState = 'unknown' | 'present' | 'absent';

export interface SignalTransition {
  state: 'present' | 'absent';
  /** Frame index (since start) at which the condition had held for the full duration. */
  frame: number;
}

const NO_TRANSITIONS: readonly SignalTransition[] = Object.freeze([]);

export function validateSignalDetectorSettings(s: SignalDetectorSettings): AppError | undefined {
  if (!(s.presentSeconds >= MIN_DETECTION_SECONDS) || !(s.absentSeconds >= MIN_DETECTION_SECONDS)) {
    return appError('DSP_SIGNAL_DURATION', `Signal and silence durations must be at least ${MIN_DETECTION_SECONDS} s.`);
  }
  if (!(s.presentLevelDb <= 0 && s.presentLevelDb >= -90 && s.absentLevelDb <= 0 && s.absentLevelDb >= -90)) {
    return appError('DSP_SIGNAL_LEVEL', 'Signal and silence levels must be between -90 and 0 dBFS.');
  }
  return undefined;
}

/**
 * BUTT's signal/silence detection. Per block, the level is the mean of the channels' peak
 * magnitudes in dBFS (BUTT's `mean_peak_dB`). A block above the present level continues a
 * "signal" run, a block below the absent level a "silence" run, anything else breaks both.
 * When a run has lasted its duration, the state changes once and a transition is returned.
 */
export class SignalDetector {
  private settings: SignalDetectorSettings;
  private presentFrames = 0;
  private absentFrames = 0;
  private signalRunStart: number | undefined;
  private silenceRunStart: number | undefined;
  private frame = 0;
  state: SignalState = 'unknown';
  /** Level of the last block, dBFS. */
  lastLevelDb = linearToDb(0);

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
    settings: SignalDetectorSettings = DEFAULT_SIGNAL_DETECTOR,
  ) {
    this.settings = settings;
    this.configure(settings);
  }

  /** Returns an error (and keeps the old settings) when the settings are out of range. */
  configure(settings: SignalDetectorSettings): AppError | undefined {
    const error = validateSignalDetectorSettings(settings);
    if (error) return error;
    this.settings = { ...settings };
    this.presentFrames = Math.round(settings.presentSeconds * this.sampleRate);
    this.absentFrames = Math.round(settings.absentSeconds * this.sampleRate);
    return undefined;
  }

  /** Feeds one block; returns the transitions it completed (usually none). */
  process(samples: Float32Array): readonly SignalTransition[] {
    const ch = this.channels;
    const frames = samples.length / ch;
    const blockStart = this.frame;
    this.frame += frames;
    let peakSum = 0;
    for (let c = 0; c < ch; c++) {
      let peak = 0;
      for (let i = c; i < samples.length; i += ch) {
        const a = Math.abs(samples[i]!);
        if (a > peak) peak = a;
      }
      peakSum += peak;
    }
    const level = linearToDb(peakSum / ch);
    this.lastLevelDb = level;
    const end = this.frame;
    let out: SignalTransition[] | undefined;

    if (level > this.settings.presentLevelDb) {
      this.signalRunStart ??= blockStart;
      if (this.state !== 'present' && end - this.signalRunStart >= this.presentFrames) {
        this.state = 'present';
        (out ??= []).push({ state: 'present', frame: this.signalRunStart + this.presentFrames });
      }
    } else {
      this.signalRunStart = undefined;
    }
    if (level < this.settings.absentLevelDb) {
      this.silenceRunStart ??= blockStart;
      if (this.state !== 'absent' && end - this.silenceRunStart >= this.absentFrames) {
        this.state = 'absent';
        (out ??= []).push({ state: 'absent', frame: this.silenceRunStart + this.absentFrames });
      }
    } else {
      this.silenceRunStart = undefined;
    }
    return out ?? NO_TRANSITIONS;
  }

  reset(): void {
    this.signalRunStart = undefined;
    this.silenceRunStart = undefined;
    this.frame = 0;
    this.state = 'unknown';
  }
}
