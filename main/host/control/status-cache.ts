/**
 * Status for the control server without letting pollers drive the target: one target call at
 * a time, its answer reused for `maxAgeMs`, so a flood of status requests costs the host (and
 * the engine behind it) at most a few status calls per second.
 */
import type { ControlTarget } from './target';
import type { StatusV3 } from './wire';

export interface StatusCacheOptions {
  maxAgeMs: number;
  timeoutMs: number;
  /** Resolves when commands acknowledged earlier have run (read-your-writes for scripts). */
  settled(): Promise<void>;
  onFailure(reason: string): void;
}

export class StatusCache {
  private value: StatusV3 | undefined;
  private fetchedAt = -Infinity;
  private inFlight: Promise<StatusV3 | undefined> | undefined;

  constructor(
    private readonly target: ControlTarget,
    private readonly options: StatusCacheOptions,
  ) {}

  /** Forget the cached value (a command has changed the state). */
  invalidate(): void {
    this.fetchedAt = -Infinity;
  }

  /** The status, or undefined when the target failed or did not answer in time. */
  async get(): Promise<StatusV3 | undefined> {
    // Bounded short: the client gives up after 2 s in all, and a status must still come.
    await withTimeout(this.options.settled(), Math.min(500, this.options.timeoutMs / 3));
    if (performance.now() - this.fetchedAt < this.options.maxAgeMs && this.value) return this.value;
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<StatusV3 | undefined> {
    const startedAt = performance.now();
    try {
      const result = await withTimeout(Promise.resolve().then(() => this.target.status()), this.options.timeoutMs);
      if (result === 'timeout') {
        this.options.onFailure(`no status within ${this.options.timeoutMs} ms`);
        return undefined;
      }
      this.value = result;
      this.fetchedAt = startedAt;
      return result;
    } catch (error) {
      this.options.onFailure(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
