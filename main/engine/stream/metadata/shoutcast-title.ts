/**
 * Sends a title to a Shoutcast server through `admin.cgi?mode=updinfo` (v1, and v2 with `sid=`)
 * and checks the answer. The request is built byte for byte here (tested as such) and sent on a
 * raw socket.
 */
import { appError } from '../../../shared/errors';
import { answerText, type SendResult } from './icecast-title';
import { percentEncode } from './percent-encode';
import { rawRequest } from './raw-http';

export interface ShoutcastTarget {
  host: string;
  /** The server's base port (the listener/admin port, not the v1 source port + 1). */
  port: number;
  /** The source (or admin) password only: see parseShoutcastPassword for `user:pass:#sid`. */
  password: string;
  /** Shoutcast 2 stream id; omitted for v1. */
  sid?: number;
}

/**
 * BUTT's Shoutcast password field also carries Shoutcast 2 credentials: `user:pass` or
 * `user:pass:#sid`. Returns the parts (a plain password has no user and no sid).
 */
export function parseShoutcastPassword(field: string): { user?: string; password: string; sid?: number } {
  const withSid = /^([^:]*):(.*):#(\d+)$/.exec(field);
  if (withSid) return { user: withSid[1]!, password: withSid[2]!, sid: Number(withSid[3]) };
  const withUser = /^([^:]*):(.*)$/.exec(field);
  if (withUser) return { user: withUser[1]!, password: withUser[2]! };
  return { password: field };
}

/**
 * The exact request. HTTP/1.0 so the server closes after answering; "Mozilla" in the
 * User-Agent because the v1 DNAS only serves admin pages to browsers.
 */
export function shoutcastUpdinfoRequest(target: ShoutcastTarget, song: string): string {
  const sid = target.sid === undefined ? '' : `sid=${target.sid}&`;
  const path = `/admin.cgi?${sid}pass=${percentEncode(target.password)}&mode=updinfo&song=${percentEncode(song)}`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `GET ${path} HTTP/1.0\r\nHost: ${host}:${target.port}\r\nUser-Agent: Airtight (Mozilla Compatible)\r\nConnection: close\r\n\r\n`;
}

/** Both DNAS versions answer 200 with a page; a bad password is a 401/403 or a page saying so. */
export function parseShoutcastAnswer(status: number, body: string): SendResult {
  const text = answerText(body) ?? '';
  const refused = /invalid password|unauthori[sz]ed|access denied|bad password/i.test(text);
  if (status === 401 || status === 403 || (status === 200 && refused)) {
    return { ok: false, error: appError('TITLE_AUTH_FAILED', 'Shoutcast refused the title update: wrong password', `HTTP ${status}${text ? `: ${text}` : ''}`) };
  }
  if (status === 200) return { ok: true };
  if (status === 0) return { ok: false, error: appError('TITLE_REJECTED', 'Shoutcast gave no valid answer to the title update', text || 'empty answer') };
  return { ok: false, error: appError('TITLE_REJECTED', `Shoutcast did not accept the title: ${text || `HTTP ${status}`}`, `HTTP ${status}`) };
}

export async function sendShoutcastTitle(target: ShoutcastTarget, song: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<SendResult> {
  const result = await rawRequest(target.host, target.port, shoutcastUpdinfoRequest(target, song), { ...options, maxBytes: 16 * 1024 });
  if (!result.ok) return { ok: false, error: { ...result.error, code: `TITLE_${result.error.code}` } };
  return parseShoutcastAnswer(result.answer.status, result.answer.body);
}
