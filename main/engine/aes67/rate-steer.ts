/**
 * Keeps the ring between the capture clock and the media clock at its target fill by steering
 * the adaptive resampler: the capture card runs on its own crystal, the AES67 stream consumes
 * exactly 48 000 frames per PTP second, so without steering the ring drifts until it under- or
 * overruns. A slow PI loop on the fill averaged over one second: a time constant of ~20 s,
 * far below anything audible as pitch, fast enough for crystals hundreds of ppm apart.
 */
import { MAX_STEER_PPM } from '../audio/dsp/adaptive-resampler';

/** ppm per frame of fill error. */
const KP = 2;
/** ppm per frame-second of accumulated error. */
const KI = 0.05;

export class RateSteer {
  private integral = 0;
  private sum = 0;
  private samples = 0;
  private elapsed = 0;
  private ppm = 0;

  constructor(
    private readonly targetFrames: number,
    private readonly updateSeconds = 1,
  ) {}

  /**
   * Feeds one fill observation covering `seconds` of input. Returns the new ratio in ppm when
   * an update period completed, else null. Positive ppm = produce more output frames.
   */
  observe(fillFrames: number, seconds: number): number | null {
    this.sum += fillFrames;
    this.samples += 1;
    this.elapsed += seconds;
    if (this.elapsed < this.updateSeconds) return null;
    const error = this.sum / this.samples - this.targetFrames; // > 0: ring too full, produce less
    const dt = this.elapsed;
    this.sum = 0;
    this.samples = 0;
    this.elapsed = 0;
    const integral = this.integral + error * dt;
    const unclamped = -(KP * error + KI * integral);
    this.ppm = Math.max(-MAX_STEER_PPM, Math.min(MAX_STEER_PPM, unclamped));
    // Anti-windup: integrate only while the output is not pinned at a limit.
    if (this.ppm === unclamped) this.integral = integral;
    return this.ppm;
  }

  get currentPpm(): number {
    return this.ppm;
  }

  reset(): void {
    this.integral = 0;
    this.sum = 0;
    this.samples = 0;
    this.elapsed = 0;
    this.ppm = 0;
  }
}
