/** Bytes per second over a sliding window, for the "current bitrate" an operator sees. */
export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(bytes: number): void {
    const at = this.now();
    this.samples.push({ at, bytes });
    this.prune(at);
  }

  kbps(): number {
    const at = this.now();
    this.prune(at);
    if (this.samples.length === 0) return 0;
    const span = Math.max(1000, at - this.samples[0]!.at);
    const bytes = this.samples.reduce((sum, s) => sum + s.bytes, 0);
    return Math.round((bytes * 8) / span);
  }

  reset(): void {
    this.samples = [];
  }

  private prune(at: number): void {
    let drop = 0;
    while (drop < this.samples.length && at - this.samples[drop]!.at > this.windowMs) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
