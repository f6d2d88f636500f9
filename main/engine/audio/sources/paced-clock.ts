/**
 * Real-time pacing for generated audio: each tick produces exactly the frames due since the
 * start on the monotonic clock, so timer jitter never accumulates into drift.
 */
export interface Clock {
  /** Milliseconds, monotonic (performance.now()). */
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

export class PacedClock {
  private startedAt = 0;
  /** Frames handed out since start (the next frame index). */
  private produced = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly clock: Clock = monotonicClock,
    /** A longer gap (a suspended machine) is skipped, not generated in one burst. */
    private readonly maxCatchUpMs = 2000,
  ) {}

  start(): void {
    this.startedAt = this.clock.now();
    this.produced = 0;
  }

  /** Frames to produce now, and frames skipped because the gap was too long (0 normally). */
  due(): { frames: number; skipped: number } {
    const target = Math.floor(((this.clock.now() - this.startedAt) * this.sampleRate) / 1000);
    let frames = target - this.produced;
    let skipped = 0;
    const maxFrames = Math.floor((this.maxCatchUpMs * this.sampleRate) / 1000);
    if (frames > maxFrames) {
      skipped = frames - maxFrames;
      frames = maxFrames;
    }
    this.produced = target;
    return { frames: Math.max(0, frames), skipped };
  }
}
