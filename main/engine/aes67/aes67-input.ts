/**
 * The entry the engine's stream path feeds: interleaved float blocks at the engine's rate.
 * They go through the adaptive resampler (to 48 kHz, steered by RateSteer so the ring stays
 * at its target fill against the media clock) into the shared ring the pacer thread reads.
 * This module owns the resampler: the engine only calls push().
 */
import { AdaptiveResampler } from '../audio/dsp/adaptive-resampler';
import { SharedAudioRing } from './audio-ring';
import { RateSteer } from './rate-steer';
import { AES67_RATE } from './rtp';

export interface InputCounters {
  pushedFrames: number;
  /** Frames dropped because the ring was full (the pacer is not consuming). */
  overrunFrames: number;
  ratioPpm: number;
  fillFrames: number;
}

export class Aes67Input {
  private readonly resampler: AdaptiveResampler;
  private readonly steer: RateSteer;
  private readonly counters = { pushedFrames: 0, overrunFrames: 0 };

  constructor(
    private readonly ring: SharedAudioRing,
    readonly inputRate: number,
    readonly targetFillFrames: number,
  ) {
    this.resampler = new AdaptiveResampler(ring.channels, inputRate, AES67_RATE);
    this.steer = new RateSteer(targetFillFrames);
  }

  /** Interleaved samples, `ring.channels` per frame, at `inputRate`. Never blocks. */
  push(samples: Float32Array): void {
    const out = this.resampler.process(samples);
    const frames = out.length / this.ring.channels;
    const written = this.ring.write(out);
    this.counters.pushedFrames += frames;
    this.counters.overrunFrames += frames - written;
    const ppm = this.steer.observe(this.ring.fill(), samples.length / this.ring.channels / this.inputRate);
    if (ppm !== null) this.resampler.setRatioPpm(ppm);
  }

  snapshot(): InputCounters {
    return { ...this.counters, ratioPpm: this.resampler.ratioPpm, fillFrames: this.ring.fill() };
  }
}
