/**
 * What the engine captures from: a sound card, the test tone, silence, or a mix of two.
 * Every source delivers AudioBlocks whose frameIndex runs on without gaps or overlaps from
 * start() (a jump means frames were skipped on purpose, and is reported).
 */
import type { AudioBlock, AudioFormat } from '../audio-format';
import type { AppError } from '../../../shared/errors';

export interface SourceStopReport {
  /** 'timed-out': the device did not confirm its close within the deadline (it was forced). */
  outcome: 'closed' | 'timed-out';
  ms: number;
}

export type SourceStatus =
  /** Something the operator should know that does not stop the audio (device fallback...). */
  | { type: 'warning'; error: AppError }
  /** No audio from the device: silence is delivered meanwhile, reopening goes on. */
  | { type: 'device-lost'; error: AppError }
  | { type: 'device-restored'; device: string; lostForMs: number }
  /** Low-level lines (PortAudio banners) for the debug log. */
  | { type: 'log'; line: string };

export interface AudioSource {
  /** For logs: 'tone 997 Hz -18 dBFS', 'device "pulse"'. */
  readonly description: string;
  /** The format of the delivered blocks (known before start). */
  readonly format: AudioFormat;
  /** Starts delivering; an error means nothing will be delivered. */
  start(): Promise<AppError | null>;
  /** Stops within `deadlineMs` and says whether it really closed. Safe to call twice. */
  stop(deadlineMs: number): Promise<SourceStopReport>;
  onBlock(listener: (block: AudioBlock) => void): void;
  onStatus(listener: (event: SourceStatus) => void): void;
  /**
   * How much audio each delivered block should hold, where the source can choose (a sound
   * card): larger blocks wake the engine less often, smaller ones add less latency.
   */
  setDeliveryMs?(ms: number): void;
}

/** Listener lists shared by the sources. */
export class SourceListeners {
  private readonly blocks: ((block: AudioBlock) => void)[] = [];
  private readonly statuses: ((event: SourceStatus) => void)[] = [];

  onBlock(listener: (block: AudioBlock) => void): void {
    this.blocks.push(listener);
  }

  onStatus(listener: (event: SourceStatus) => void): void {
    this.statuses.push(listener);
  }

  block(block: AudioBlock): void {
    for (const listener of this.blocks) listener(block);
  }

  status(event: SourceStatus): void {
    for (const listener of this.statuses) listener(event);
  }
}
