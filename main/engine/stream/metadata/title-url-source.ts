/**
 * Titles from a URL fetched at an interval (BUTT's `song_update_url`): the body's first line.
 * Failures are warnings; the title stays as it was until the URL answers again.
 */
import { appError, type AppError } from '../../../shared/errors';
import { httpGet, safeUrl } from './http-get';
import { pickLine } from './title-text';

export interface TitleUrlOptions {
  url: string;
  intervalMs?: number;
  timeoutMs?: number;
  maxBytes?: number;
  onTitle: (title: string) => void;
  onWarning?: (warning: AppError) => void;
}

export class TitleUrlSource {
  private timer: NodeJS.Timeout | null = null;
  private lastTitle: string | undefined;
  private lastWarning = '';
  private readonly abort = new AbortController();
  private polling: Promise<void> | null = null;

  constructor(private readonly options: TitleUrlOptions) {}

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), Math.max(1000, this.options.intervalMs ?? 10_000));
  }

  /** Stops the timer and cancels a request in flight. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
  }

  poll(): Promise<void> {
    this.polling ??= this.check().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async check(): Promise<void> {
    const { url } = this.options;
    const result = await httpGet(url, {
      timeoutMs: this.options.timeoutMs ?? 5000,
      maxBytes: this.options.maxBytes ?? 16 * 1024,
      signal: this.abort.signal,
    });
    if (this.abort.signal.aborted) return;
    if (!result.ok) return this.warn({ ...result.error, code: `TITLE_URL_${result.error.code}` });
    if (result.status < 200 || result.status > 299) {
      return this.warn(appError('TITLE_URL_HTTP_ERROR', `The title URL ${safeUrl(url)} answered HTTP ${result.status}`));
    }
    this.lastWarning = '';
    const title = pickLine(result.body, 'first');
    if (title === this.lastTitle) return;
    this.lastTitle = title;
    this.options.onTitle(title);
  }

  private warn(warning: AppError): void {
    if (warning.code === this.lastWarning) return;
    this.lastWarning = warning.code;
    this.options.onWarning?.(warning);
  }
}
