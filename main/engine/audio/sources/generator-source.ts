/**
 * A paced source whose samples are computed (the test tone, silence). A timer ticks every
 * `tickMs`; each tick emits the frames due, in blocks of at most `blockFrames`.
 */
import type { AudioBlock, AudioFormat } from '../audio-format';
import type { AppError } from '../../../shared/errors';
import { appError } from '../../../shared/errors';
import { SourceListeners, type AudioSource, type SourceStatus, type SourceStopReport } from './audio-source';
import { PacedClock, monotonicClock, type Clock } from './paced-clock';

export interface GeneratorOptions {
  format: AudioFormat;
  /** Default 10 ms. */
  tickMs?: number;
  /** Largest block; default 20 ms of frames. */
  blockFrames?: number;
  /** Tests drive the clock and call tick() themselves. */
  clock?: Clock;
  manualTicks?: boolean;
}

/** Fills `samples` (interleaved) with frames starting at `frameIndex`. */
export type FrameWriter = (samples: Float32Array, frameIndex: number, channels: number) => void;

export class GeneratorSource implements AudioSource {
  readonly format: AudioFormat;
  private readonly listeners = new SourceListeners();
  private readonly pace: PacedClock;
  private blockFrames: number;
  private tickMs: number;
  private timer: NodeJS.Timeout | null = null;
  private nextFrame = 0;
  private running = false;

  constructor(
    readonly description: string,
    private readonly write: FrameWriter,
    private readonly options: GeneratorOptions,
  ) {
    this.format = { ...options.format };
    this.pace = new PacedClock(options.format.sampleRate, options.clock ?? monotonicClock);
    this.blockFrames = options.blockFrames ?? Math.max(1, Math.round(options.format.sampleRate / 50));
    this.tickMs = options.tickMs ?? 10;
  }

  /** Ticks every `ms`, one block per tick (blocks may hold up to 2 ticks, so timer jitter adds no tiny blocks). */
  setDeliveryMs(ms: number): void {
    this.tickMs = ms;
    this.blockFrames = Math.max(1, Math.round((this.format.sampleRate * ms * 2) / 1000));
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.tick(), this.tickMs);
    }
  }

  async start(): Promise<AppError | null> {
    if (this.running) return null;
    this.running = true;
    this.nextFrame = 0;
    this.pace.start();
    if (!this.options.manualTicks) this.timer = setInterval(() => this.tick(), this.tickMs);
    return null;
  }

  async stop(): Promise<SourceStopReport> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return { outcome: 'closed', ms: 0 };
  }

  onBlock(listener: (block: AudioBlock) => void): void {
    this.listeners.onBlock(listener);
  }

  onStatus(listener: (event: SourceStatus) => void): void {
    this.listeners.onStatus(listener);
  }

  /** Emits what is due now. Public for tests with a manual clock. */
  tick(): void {
    if (!this.running) return;
    const { frames, skipped } = this.pace.due();
    if (skipped > 0) {
      this.nextFrame += skipped;
      this.listeners.status({
        type: 'warning',
        error: appError('AUDIO_SOURCE_SKIPPED', `${this.description}: ${skipped} frames skipped after the engine was held up for more than 2 s`),
      });
    }
    const channels = this.format.channels;
    for (let left = frames; left > 0 && this.running; ) {
      const n = Math.min(left, this.blockFrames);
      const samples = new Float32Array(n * channels);
      this.write(samples, this.nextFrame, channels);
      this.listeners.block({ format: this.format, samples, frameIndex: this.nextFrame });
      this.nextFrame += n;
      left -= n;
    }
  }
}
