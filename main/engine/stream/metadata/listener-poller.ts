/**
 * Polls a listener count at an interval (BUTT: every 10 s). On errors it backs off (doubling up
 * to `maxBackoffMs`) so a panel that is down is not hammered; the first success returns to the
 * normal interval. Sources are tried in order until one answers (e.g. status-json, then
 * /admin/stats).
 */
import type { AppError } from '../../../shared/errors';
import { fetchListenerCount, type CountResult, type ListenerSource } from './listener-count';

export interface ListenerPollerOptions {
  sources: ListenerSource[];
  intervalMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** A count, or null with the error when no source answered. */
  onCount: (listeners: number | null, error?: AppError) => void;
  /** Replaceable for tests of the schedule. */
  fetch?: (source: ListenerSource, signal: AbortSignal) => Promise<CountResult>;
}

export class ListenerPoller {
  private timer: NodeJS.Timeout | null = null;
  private readonly abort = new AbortController();
  private failures = 0;
  private running = false;
  /** The delay before the next poll (visible for tests and the UI). */
  nextDelayMs = 0;

  constructor(private readonly options: ListenerPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
  }

  /** One round over the sources; returns the delay chosen for the next round. */
  async pollOnce(): Promise<number> {
    const fetcher = this.options.fetch ?? ((s, signal) => fetchListenerCount(s, { signal, timeoutMs: this.options.timeoutMs }));
    let lastError: AppError | undefined;
    for (const source of this.options.sources) {
      const result = await fetcher(source, this.abort.signal);
      if (this.abort.signal.aborted) return 0;
      if (result.ok) {
        this.failures = 0;
        this.options.onCount(result.listeners);
        return (this.nextDelayMs = this.interval);
      }
      lastError = result.error;
    }
    this.failures++;
    if (lastError) this.options.onCount(null, lastError);
    const backoff = Math.min(this.options.maxBackoffMs ?? 300_000, this.interval * 2 ** this.failures);
    return (this.nextDelayMs = backoff);
  }

  private get interval(): number {
    return Math.max(100, this.options.intervalMs ?? 10_000);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pollOnce().then((next) => {
        if (this.running) this.schedule(next);
      });
    }, delayMs);
  }
}
