/**
 * Between a title source and one server: prefix/suffix, a delay of 0-20 s so the title changes
 * when the audio reaching listeners does, and one update in flight at a time. A newer title
 * replaces one still waiting (its delay not over, or queued behind a send in flight), so a
 * burst of changes ends with the newest title on the server, never an older one.
 */
import type { AppError } from '../../../shared/errors';
import { toAppError } from '../../../shared/errors';
import { decorateTitle } from './title-text';

export const MAX_TITLE_DELAY_MS = 20_000;

export type TitleSender = (title: string, signal: AbortSignal) => Promise<{ ok: true } | { ok: false; error: AppError }>;

export interface TitleUpdaterOptions {
  send: TitleSender;
  prefix?: string;
  suffix?: string;
  /** Clamped to 0..20 000 ms. */
  delayMs?: number;
  /** After every send attempt: the title as sent and the server's verdict. */
  onResult?: (title: string, result: { ok: true } | { ok: false; error: AppError }) => void;
}

export class TitleUpdater {
  private prefix: string;
  private suffix: string;
  private delayMs: number;
  /** Waiting for its delay to pass. */
  private waiting: { title: string; timer: NodeJS.Timeout } | null = null;
  /** Due, waiting for the send in flight to finish. */
  private due: string | null = null;
  private inFlight: Promise<void> | null = null;
  private abort = new AbortController();
  private stopped = false;
  /** The last title the server accepted. */
  current: string | undefined;

  constructor(private readonly options: TitleUpdaterOptions) {
    this.prefix = options.prefix ?? '';
    this.suffix = options.suffix ?? '';
    this.delayMs = clampDelay(options.delayMs ?? 0);
  }

  get delay(): number {
    return this.delayMs;
  }

  setDelay(ms: number): void {
    this.delayMs = clampDelay(ms);
  }

  setAffixes(prefix: string, suffix: string): void {
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /** A new title from any source (manual, file, URL, command server). */
  submit(rawTitle: string): void {
    if (this.stopped) return;
    const title = decorateTitle(rawTitle, this.prefix, this.suffix);
    if (this.waiting) clearTimeout(this.waiting.timer);
    this.waiting = null;
    if (this.delayMs === 0) return this.makeDue(title);
    const timer = setTimeout(() => {
      this.waiting = null;
      this.makeDue(title);
    }, this.delayMs);
    this.waiting = { title, timer };
  }

  /** The title that will be sent next, if any. */
  get pending(): string | undefined {
    return this.due ?? this.waiting?.title;
  }

  /** Resolves once nothing waits and nothing is in flight (tests, orderly stop). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000 && (this.waiting || this.due !== null || this.inFlight); i++) {
      if (this.inFlight) await this.inFlight;
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Drops anything pending and cancels a request in flight. */
  stop(): void {
    this.stopped = true;
    if (this.waiting) clearTimeout(this.waiting.timer);
    this.waiting = null;
    this.due = null;
    this.abort.abort();
  }

  private makeDue(title: string): void {
    this.due = title;
    if (!this.inFlight) this.inFlight = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.due !== null && !this.stopped) {
      const title = this.due;
      this.due = null;
      let result: { ok: true } | { ok: false; error: AppError };
      try {
        result = await this.options.send(title, this.abort.signal);
      } catch (error) {
        result = { ok: false, error: toAppError(error, 'TITLE_SEND_FAILED', 'The title could not be sent') };
      }
      if (this.stopped) break;
      if (result.ok) this.current = title;
      this.options.onResult?.(title, result);
    }
    this.inFlight = null;
  }
}

function clampDelay(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_TITLE_DELAY_MS, Math.max(0, Math.round(ms))) : 0;
}
