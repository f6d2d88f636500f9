/**
 * Sends a title to Icecast through `/admin/metadata?mode=updinfo` and checks the answer
 * (BUTT never does, so a wrong password or a missing mount goes unnoticed there).
 */
import { appError, type AppError } from '../../../shared/errors';
import { httpGet } from './http-get';
import { basicAuth, percentEncode } from './percent-encode';

export interface IcecastTarget {
  host: string;
  port: number;
  tls?: boolean;
  /** With or without the leading slash. */
  mount: string;
  /** `source` (the source password) or an admin user; Icecast 2.4 accepts both here. */
  user: string;
  password: string;
}

export type SendResult = { ok: true } | { ok: false; error: AppError };

export function normalizeMount(mount: string): string {
  return mount.startsWith('/') ? mount : `/${mount}`;
}

function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The update URL. `charset=UTF-8` tells Icecast how the song bytes are encoded, so titles stay
 * intact even on a mount without `<charset>` (where Icecast would assume Latin-1 for MP3).
 */
export function icecastMetadataUrl(target: IcecastTarget, song: string): string {
  const scheme = target.tls ? 'https' : 'http';
  const mount = percentEncode(normalizeMount(target.mount)).replace(/%2F/g, '/');
  return `${scheme}://${hostPart(target.host)}:${target.port}/admin/metadata?mount=${mount}&mode=updinfo&charset=UTF-8&song=${percentEncode(song)}`;
}

/** Reads Icecast's XML answer: `<return>1</return>` is success, `<message>` says why not. */
export function parseIcecastAnswer(status: number, body: string, mount: string): SendResult {
  const message = answerText(body);
  const returned = /<return>\s*(\d+)\s*<\/return>/i.exec(body)?.[1];
  // Icecast 2.4 answers an Ogg mount (no set_tag in its Ogg format) with return 1 and this
  // message, having changed nothing: the title reaches Ogg listeners in-band only.
  if (status === 200 && message && /will not accept URL updates/i.test(message)) {
    return {
      ok: false,
      error: appError('TITLE_IN_STREAM_ONLY', `Icecast takes no title updates by URL for ${mount} (an Ogg mount): listeners get the title inside the stream`, message),
    };
  }
  if (status === 200 && returned === '1') return { ok: true };
  if (status === 401 || status === 403) {
    return { ok: false, error: appError('TITLE_AUTH_FAILED', `Icecast refused the title update for ${mount}: wrong user name or password`, `HTTP ${status}${message ? `: ${message}` : ''}`) };
  }
  if (message && /source does not exist|no such mount/i.test(message)) {
    return { ok: false, error: appError('TITLE_MOUNT_NOT_FOUND', `Icecast has no source on ${mount} (not connected yet?)`, `HTTP ${status}: ${message}`) };
  }
  if (status === 404) return { ok: false, error: appError('TITLE_NOT_SUPPORTED', 'This server has no /admin/metadata (is it Icecast?)', `HTTP 404`) };
  const why = message ?? 'no answer text';
  return { ok: false, error: appError('TITLE_REJECTED', `Icecast did not accept the title for ${mount}: ${why}`, `HTTP ${status}`) };
}

export async function sendIcecastTitle(target: IcecastTarget, song: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<SendResult> {
  const mount = normalizeMount(target.mount);
  const result = await httpGet(icecastMetadataUrl(target, song), {
    headers: { Authorization: basicAuth(target.user, target.password), 'User-Agent': 'Airtight' },
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  if (!result.ok) return { ok: false, error: { ...result.error, code: `TITLE_${result.error.code}` } };
  return parseIcecastAnswer(result.status, result.body, mount);
}

/** The human part of an answer: `<message>` of the XML, or the text of an HTML error page. */
export function answerText(body: string): string | undefined {
  const xml = /<message>([\s\S]*?)<\/message>/i.exec(body)?.[1];
  const html = /<body>([\s\S]*?)<\/body>/i.exec(body)?.[1];
  const text = (xml ?? html ?? body).replace(/<[^>]*>/g, ' ').replace(/^\s*\d{3}\s*-\s*/, '').replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text.slice(0, 200);
}
