/**
 * Reads a server's answer to the source request and says what it means. Icecast answers
 * `HTTP/1.1 100 Continue` then `HTTP/1.0 200 OK`, or a 401/403 with the reason in the body
 * ("Mountpoint in use", "too many sources connected") and closes.
 */
import { failure, type StreamFailure } from './stream-errors';

export interface HttpAnswer {
  status: number;
  reason: string;
  /** Bytes after the final header block (the body so far). */
  body: Buffer;
}

const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The final (non-1xx) answer in `bytes`, 'incomplete' while its header block has not fully
 * arrived, or 'garbage' when the bytes are not HTTP at all.
 */
export function parseHttpAnswer(bytes: Buffer): HttpAnswer | 'incomplete' | 'garbage' {
  let at = 0;
  for (let i = 0; i < 8; i++) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
    const head = bytes.subarray(at, end < 0 ? bytes.length : end).toString('latin1');
    if (head.length >= 5 && !/^(HTTP|ICY)/.test(head)) return 'garbage';
    if (end < 0) return bytes.length - at > MAX_HEADER_BYTES ? 'garbage' : 'incomplete';
    const match = /^(?:HTTP\/\d\.\d|ICY) (\d{3}) ?([^\r\n]*)/.exec(head);
    if (!match) return 'garbage';
    const status = Number(match[1]);
    at = end + 4;
    if (status >= 100 && status < 200) continue;
    return { status, reason: match[2] ?? '', body: bytes.subarray(at) };
  }
  return 'garbage';
}

/** True when only `100 Continue` has arrived so far (the server is still deciding). */
export function onlyContinue(bytes: Buffer): boolean {
  return /^HTTP\/\d\.\d 100/.test(bytes.toString('latin1', 0, 16)) && parseHttpAnswer(bytes) === 'incomplete';
}

/** undefined: accepted. 'fallback': try the legacy SOURCE request. Else why not. */
export function judgeIcecastAnswer(answer: HttpAnswer, where: string): StreamFailure | 'fallback' | undefined {
  const text = `${answer.reason} ${answer.body.toString('utf8', 0, Math.min(answer.body.length, 512))}`.trim();
  const detail = `HTTP ${answer.status} ${text}`;
  if (answer.status >= 200 && answer.status < 300) return undefined;
  if (answer.status === 400 || answer.status === 404 || answer.status === 405 || answer.status === 501) return 'fallback';
  if (answer.status === 401) {
    return failure('STREAM_AUTH_FAILED', `${where} refused the user name or password.`, { fatal: true, detail });
  }
  if (answer.status === 403 && /in use/i.test(text)) {
    return failure('STREAM_MOUNT_IN_USE', `The mount point on ${where} is in use by another source. Retrying until it is free.`, { detail });
  }
  if (/too many sources/i.test(text)) {
    return failure('STREAM_TOO_MANY_SOURCES', `${where} has reached its limit of sources. Retrying.`, { detail });
  }
  if (answer.status === 403 && /content.?type|format/i.test(text)) {
    return failure('STREAM_SERVER_REFUSED', `${where} does not accept this stream format: ${text}`, { fatal: true, detail });
  }
  return failure('STREAM_SERVER_REFUSED', `${where} refused the source: ${text || `HTTP ${answer.status}`}`, { detail });
}

/** Shoutcast v1 answers `OK2` (then icy-caps) or `invalid password`. */
export function judgeShoutcastAnswer(bytes: Buffer, where: string): StreamFailure | 'incomplete' | undefined {
  const text = bytes.toString('latin1');
  if (/^OK/.test(text)) return text.includes('\r\n') || text.includes('\n') || text.length >= 3 ? undefined : 'incomplete';
  if (!text.includes('\n') && text.length < 64) return 'incomplete';
  if (/invalid password|denied|auth/i.test(text)) {
    return failure('STREAM_AUTH_FAILED', `${where} refused the password.`, { fatal: true, detail: text.trim().slice(0, 200) });
  }
  if (/in use|already/i.test(text)) {
    return failure('STREAM_MOUNT_IN_USE', `${where} already has a source connected. Retrying until it is free.`, { detail: text.trim().slice(0, 200) });
  }
  return failure('STREAM_SERVER_REFUSED', `${where} refused the source: ${text.trim().slice(0, 120)}`, { detail: text.trim().slice(0, 200) });
}
