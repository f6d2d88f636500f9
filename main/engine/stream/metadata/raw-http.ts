/**
 * One request on a raw TCP socket, read until the server closes (HTTP/1.0). Used for
 * Shoutcast, whose DNAS v1 may answer in ways an HTTP client library refuses (`ICY 200 OK`,
 * headers without a status line), and where we want to know the exact bytes we send.
 */
import { connect } from 'node:net';
import { appError, type AppError } from '../../../shared/errors';

export interface RawAnswer {
  /** Status code from `HTTP/1.x NNN` or `ICY NNN`; 0 when the answer had no status line. */
  status: number;
  headers: string;
  body: string;
}

export type RawResult = { ok: true; answer: RawAnswer } | { ok: false; error: AppError };

export function parseRawAnswer(bytes: Buffer): RawAnswer {
  const text = bytes.toString('utf8');
  const match = /^(?:HTTP\/\d\.\d|ICY)\s+(\d{3})/.exec(text);
  const split = text.indexOf('\r\n\r\n');
  if (!match) return { status: 0, headers: '', body: text };
  return { status: Number(match[1]), headers: split < 0 ? text : text.slice(0, split), body: split < 0 ? '' : text.slice(split + 4) };
}

export function rawRequest(
  host: string,
  port: number,
  request: string,
  options: { timeoutMs?: number; maxBytes?: number; signal?: AbortSignal } = {},
): Promise<RawResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const where = `${host}:${port}`;
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket = connect({ host, port });
    const finish = (result: RawResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, error: appError('HTTP_CANCELLED', `The request to ${where} was cancelled`) });
    const timer = setTimeout(() => finish({ ok: false, error: appError('HTTP_TIMEOUT', `${where} did not answer within ${timeoutMs / 1000} s`) }), timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.write(request));
    socket.on('data', (data: Buffer) => {
      size += data.length;
      parts.push(data);
      // Enough to judge the answer: stop reading (a misconfigured server may send a stream).
      if (size >= maxBytes) finish({ ok: true, answer: parseRawAnswer(Buffer.concat(parts)) });
    });
    socket.on('end', () => finish({ ok: true, answer: parseRawAnswer(Buffer.concat(parts)) }));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (size > 0) return finish({ ok: true, answer: parseRawAnswer(Buffer.concat(parts)) });
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return finish({ ok: false, error: appError('HTTP_DNS_FAILED', `The host ${host} could not be found`, error.message) });
      if (error.code === 'ECONNREFUSED') return finish({ ok: false, error: appError('HTTP_REFUSED', `${where} refused the connection`, error.message) });
      finish({ ok: false, error: appError('HTTP_FAILED', `The request to ${where} failed`, error.message) });
    });
  });
}
