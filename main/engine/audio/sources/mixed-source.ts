/**
 * Primary plus secondary input summed through a crossfader. The primary's blocks pace the
 * output; the secondary (resampled to the primary's rate when it runs at another one) waits
 * in a short queue. Clock drift between two cards is absorbed there: a shortfall is filled
 * with silence, a backlog beyond `maxBacklogMs` is dropped (both counted).
 */
import type { AudioBlock, AudioFormat } from '../audio-format';
import { appError, type AppError } from '../../../shared/errors';
import { createResampler, type Resampler, type ResamplerResult } from '../dsp/resampler';
import { SourceListeners, type AudioSource, type SourceStatus, type SourceStopReport } from './audio-source';
import { SampleFifo } from './sample-fifo';

export type ResamplerFactory = (channels: number, inputRate: number, outputRate: number) => Promise<ResamplerResult>;

export interface MixedSourceOptions {
  primary: AudioSource;
  secondary: AudioSource;
  /** 0 = primary only, 1 = secondary only, 0.5 = both at -3 dB (constant power). */
  crossfade?: number;
  /** Converts the secondary to the primary's rate; default: the DSP resampler. */
  makeResampler?: ResamplerFactory;
  maxBacklogMs?: number;
}

export interface MixStats {
  /** Secondary frames missing when the primary needed them (filled with silence). */
  secondaryShortFrames: number;
  /** Secondary frames dropped because they piled up. */
  secondaryDroppedFrames: number;
}

/** Constant-power law: gains (cos, sin) of the crossfade position. */
export function crossfadeGains(position: number): { primary: number; secondary: number } {
  const x = Math.min(1, Math.max(0, position));
  return { primary: Math.cos((x * Math.PI) / 2), secondary: Math.sin((x * Math.PI) / 2) };
}

export class MixedSource implements AudioSource {
  readonly format: AudioFormat;
  readonly stats: MixStats = { secondaryShortFrames: 0, secondaryDroppedFrames: 0 };
  private readonly listeners = new SourceListeners();
  private readonly fifo: SampleFifo;
  private gains: { primary: number; secondary: number };
  private resampler: Resampler | null = null;
  private secondaryRunning = false;
  private nextFrame = 0;

  constructor(private readonly options: MixedSourceOptions) {
    this.format = { ...options.primary.format };
    this.fifo = new SampleFifo(this.format.channels);
    this.gains = crossfadeGains(options.crossfade ?? 0.5);
  }

  get description(): string {
    return `${this.options.primary.description} + ${this.options.secondary.description}`;
  }

  setCrossfade(position: number): void {
    this.gains = crossfadeGains(position);
  }

  async start(): Promise<AppError | null> {
    const { primary, secondary } = this.options;
    if (secondary.format.channels !== this.format.channels) {
      return appError('AUDIO_MIX_CHANNELS', `The secondary input has ${secondary.format.channels} channel(s), the primary ${this.format.channels}`);
    }
    const made = await (this.options.makeResampler ?? createResampler)(this.format.channels, secondary.format.sampleRate, this.format.sampleRate);
    if (!made.ok) return made.error;
    this.resampler = made.resampler;
    const maxBacklog = Math.round(((this.options.maxBacklogMs ?? 200) * this.format.sampleRate) / 1000);

    secondary.onBlock((block) => {
      if (!this.resampler) return;
      this.fifo.push(this.resampler.process(block.samples));
      this.stats.secondaryDroppedFrames += this.fifo.trimTo(maxBacklog);
    });
    secondary.onStatus((event) => this.listeners.status(secondaryStatus(event)));
    primary.onStatus((event) => this.listeners.status(event));
    primary.onBlock((block) => this.mix(block));

    const primaryError = await primary.start();
    if (primaryError) return primaryError;
    const secondaryError = await secondary.start();
    if (secondaryError) {
      this.listeners.status({ type: 'warning', error: { ...secondaryError, message: `Secondary input not used: ${secondaryError.message}` } });
    } else {
      this.secondaryRunning = true;
    }
    return null;
  }

  async stop(deadlineMs: number): Promise<SourceStopReport> {
    const started = performance.now();
    const reports = await Promise.all([
      this.options.primary.stop(deadlineMs),
      this.secondaryRunning ? this.options.secondary.stop(deadlineMs) : Promise.resolve<SourceStopReport>({ outcome: 'closed', ms: 0 }),
    ]);
    this.secondaryRunning = false;
    this.resampler?.close();
    this.resampler = null;
    this.fifo.clear();
    return { outcome: reports.every((r) => r.outcome === 'closed') ? 'closed' : 'timed-out', ms: performance.now() - started };
  }

  setDeliveryMs(ms: number): void {
    this.options.primary.setDeliveryMs?.(ms);
    this.options.secondary.setDeliveryMs?.(ms);
  }

  onBlock(listener: (block: AudioBlock) => void): void {
    this.listeners.onBlock(listener);
  }

  onStatus(listener: (event: SourceStatus) => void): void {
    this.listeners.onStatus(listener);
  }

  private mix(block: AudioBlock): void {
    const out = new Float32Array(block.samples.length);
    const frames = out.length / this.format.channels;
    const got = this.fifo.readInto(out);
    if (this.secondaryRunning) this.stats.secondaryShortFrames += frames - got;
    const { primary: gp, secondary: gs } = this.gains;
    const input = block.samples;
    for (let i = 0; i < out.length; i++) out[i] = gp * input[i]! + gs * out[i]!;
    this.listeners.block({ format: this.format, samples: out, frameIndex: this.nextFrame });
    this.nextFrame += frames;
  }
}

/** A secondary device's loss is news, not a loss of the input: report it as a warning. */
function secondaryStatus(event: SourceStatus): SourceStatus {
  switch (event.type) {
    case 'device-lost':
    case 'warning':
      return { type: 'warning', error: { ...event.error, message: `Secondary input: ${event.error.message}` } };
    case 'device-restored':
      return { type: 'warning', error: appError('AUDIO_SECONDARY_RESTORED', `Secondary input "${event.device}" is back after ${Math.round(event.lostForMs)} ms`) };
    case 'log':
      return event;
  }
}
