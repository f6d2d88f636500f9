/**
 * A small, bounded HTTP GET for titles and listener counts: Node's fetch with a timeout, a cap
 * on the body size, and every failure turned into an AppError an operator can read.
 */
import { appError, type AppError } from '../../../shared/errors';

export interface HttpGetOptions {
  timeoutMs?: number;
  /** Bodies longer than this are refused (a title URL pointing at a stream, say). */
  maxBytes?: number;
  headers?: Record<string, string>;
  /** Cancels the request (Stop, shutdown). */
  signal?: AbortSignal;
}

export type HttpGetResult = { ok: true; status: number; body: string } | { ok: false; error: AppError };

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_BYTES = 64 * 1024;

export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpGetResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const where = safeUrl(url);
  try {
    const response = await fetch(url, { headers: options.headers, signal, redirect: 'follow' });
    const reader = response.body?.getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          return { ok: false, error: appError('HTTP_BODY_TOO_LARGE', `${where} answered with more than ${maxBytes} bytes`) };
        }
        parts.push(value);
      }
    }
    const body = new TextDecoder('utf-8').decode(Buffer.concat(parts));
    return { ok: true, status: response.status, body };
  } catch (error) {
    if (options.signal?.aborted) return { ok: false, error: appError('HTTP_CANCELLED', `The request to ${where} was cancelled`) };
    if (timeout.aborted) return { ok: false, error: appError('HTTP_TIMEOUT', `${where} did not answer within ${timeoutMs / 1000} s`) };
    return { ok: false, error: networkError(where, error) };
  }
}

/** fetch hides the socket error in `cause`: name DNS failures and refusals plainly. */
function networkError(where: string, error: unknown): AppError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return appError('HTTP_DNS_FAILED', `The host of ${where} could not be found`, detail);
  if (code === 'ECONNREFUSED') return appError('HTTP_REFUSED', `${where} refused the connection`, detail);
  if (error instanceof TypeError && /invalid url|failed to parse url/i.test(error.message)) {
    return appError('HTTP_BAD_URL', `"${where}" is not a valid URL`, detail);
  }
  return appError('HTTP_FAILED', `The request to ${where} failed`, detail);
}

/** The URL without credentials, for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const key of ['pass', 'password']) if (parsed.searchParams.has(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return url;
  }
}
