import type { Processor } from '../processor';
import type { CompressorSettings } from './dsp-settings';

/** Power floor (-130 dB): keeps log10 finite in silence, as BUTT does. */
const POWER_FLOOR = 1e-13;
/** BUTT never smooths the detector faster than this (non-aggressive mode). */
const MIN_DETECTOR_SECONDS = 0.002;

/**
 * BUTT's feed-forward compressor (src/dsp.cpp), stereo-linked:
 * - detector: instantaneous power averaged over the channels, low-passed with a time constant
 *   of min(attack, release) (at least 2 ms); aggressive mode skips the low-pass, so the
 *   detector follows the waveform itself;
 * - level in dB = 10*log10(power): a sine's level is its RMS (-3 dB below its peak);
 * - static curve: above the threshold, gain = (level - threshold) * (1/ratio - 1) dB;
 * - the gain in dB is smoothed with one-pole attack/release, then makeup is added.
 * Unlike BUTT, makeup gain also applies to silent stretches (BUTT skipped them).
 */
export class Compressor implements Processor {
  private settings: CompressorSettings;
  private attackCoef = 0;
  private releaseCoef = 0;
  private detectorCoef = 0;
  private power = 0;
  private gainDb = 0;
  /** True when the last block went above the threshold (BUTT's "compressing" LED). */
  compressing = false;
  /** Deepest gain reduction of the last block, in dB (<= 0), for a gain-reduction meter. */
  lastReductionDb = 0;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
    settings: CompressorSettings,
  ) {
    this.settings = settings;
    this.configure(settings);
  }

  configure(settings: CompressorSettings): void {
    this.settings = { ...settings };
    const fs = this.sampleRate;
    this.attackCoef = Math.exp(-1 / (settings.attackSeconds * fs));
    this.releaseCoef = Math.exp(-1 / (settings.releaseSeconds * fs));
    const detectorSeconds = Math.max(MIN_DETECTOR_SECONDS, Math.min(settings.attackSeconds, settings.releaseSeconds));
    this.detectorCoef = settings.aggressive ? 0 : Math.exp(-1 / (detectorSeconds * fs));
  }

  process(samples: Float32Array): void {
    const ch = this.channels;
    const threshold = this.settings.thresholdDb;
    const slope = 1 / Math.max(1, this.settings.ratio) - 1;
    const makeup = this.settings.makeupGainDb;
    const c1 = this.detectorCoef;
    const c2 = 1 - c1;
    const att = this.attackCoef;
    const rel = this.releaseCoef;
    const invCh = 1 / ch;
    let power = this.power;
    let gainDb = this.gainDb;
    let compressing = false;
    let deepest = 0;
    for (let o = 0; o < samples.length; o += ch) {
      let p = 0;
      for (let c = 0; c < ch; c++) {
        const s = samples[o + c]!;
        p += s * s;
      }
      power = c1 * power + c2 * p * invCh;
      if (power < POWER_FLOOR) power = POWER_FLOOR;
      const over = 10 * Math.log10(power) - threshold;
      let target = 0;
      if (over > 0) {
        compressing = true;
        target = over * slope;
      }
      gainDb = target < gainDb ? att * gainDb + (1 - att) * target : rel * gainDb + (1 - rel) * target;
      if (gainDb < deepest) deepest = gainDb;
      const total = gainDb + makeup;
      if (total !== 0) {
        const g = Math.pow(10, total / 20);
        for (let c = 0; c < ch; c++) samples[o + c]! *= g;
      }
    }
    this.power = power;
    this.gainDb = gainDb;
    this.compressing = compressing;
    this.lastReductionDb = deepest;
  }

  reset(): void {
    this.power = 0;
    this.gainDb = 0;
    this.compressing = false;
    this.lastReductionDb = 0;
  }
}
