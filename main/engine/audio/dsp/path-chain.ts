import type { AudioFormat } from '../audio-format';
import type { Processor } from '../processor';
import { Compressor } from './compressor';
import type { PathDspSettings } from './dsp-settings';
import { Equalizer } from './eq';
import { Gain } from './gain';
import { Limiter } from './limiter';

/**
 * The processing of one path (stream or record): gain (master + path, ramped) -> EQ ->
 * compressor -> look-ahead limiter. BUTT runs its compressor before the EQ; we compress what
 * the EQ made, so an EQ boost cannot push the signal past the compressor unnoticed.
 * With the limiter off, samples are clamped to +-1 as BUTT does.
 */
export class PathChain implements Processor {
  readonly gain: Gain;
  readonly eq: Equalizer;
  readonly compressor: Compressor;
  /** Created on demand: its look-ahead is the chain's latency. */
  private limiter: Limiter | undefined;
  private settings: PathDspSettings;
  private masterGainDb: number;

  constructor(
    readonly format: AudioFormat,
    settings: PathDspSettings,
    masterGainDb = 0,
  ) {
    const { sampleRate, channels } = format;
    this.settings = settings;
    this.masterGainDb = masterGainDb;
    this.gain = new Gain(sampleRate, channels, masterGainDb + settings.gainDb);
    this.eq = new Equalizer(sampleRate, channels, settings.eq.gainsDb);
    this.compressor = new Compressor(sampleRate, channels, settings.compressor);
    this.configure(settings, masterGainDb);
  }

  /** Applies new settings without a gap; only a new limiter look-ahead changes the latency. */
  configure(settings: PathDspSettings, masterGainDb = this.masterGainDb): void {
    // A stage switched back on starts from silence, not from history of long ago.
    if (settings.eq.enabled && !this.settings.eq.enabled) this.eq.reset();
    if (settings.compressor.enabled && !this.settings.compressor.enabled) this.compressor.reset();
    this.settings = settings;
    this.masterGainDb = masterGainDb;
    this.gain.setGainDb(masterGainDb + settings.gainDb);
    this.eq.setGains(settings.eq.gainsDb);
    this.compressor.configure(settings.compressor);
    if (!settings.limiter.enabled) {
      this.limiter = undefined;
    } else if (this.limiter && this.limiter.latencyFrames === this.lookaheadFrames(settings)) {
      this.limiter.configure(settings.limiter);
    } else {
      this.limiter = new Limiter(this.format.sampleRate, this.format.channels, settings.limiter);
    }
  }

  /** Frames of delay the chain adds (the limiter's look-ahead; 0 without limiter). */
  get latencyFrames(): number {
    return this.limiter?.latencyFrames ?? 0;
  }

  /** The limiter, when on (for gain-reduction display and its safety counter). */
  get activeLimiter(): Limiter | undefined {
    return this.limiter;
  }

  process(samples: Float32Array): void {
    this.gain.process(samples);
    if (this.settings.eq.enabled) this.eq.process(samples);
    if (this.settings.compressor.enabled) this.compressor.process(samples);
    if (this.limiter) {
      this.limiter.process(samples);
    } else {
      for (let i = 0; i < samples.length; i++) {
        const s = samples[i]!;
        if (s > 1) samples[i] = 1;
        else if (s < -1) samples[i] = -1;
      }
    }
  }

  reset(): void {
    this.gain.reset();
    this.eq.reset();
    this.compressor.reset();
    this.limiter?.reset();
  }

  private lookaheadFrames(settings: PathDspSettings): number {
    return Math.max(1, Math.round((settings.limiter.lookaheadMs / 1000) * this.format.sampleRate));
  }
}
