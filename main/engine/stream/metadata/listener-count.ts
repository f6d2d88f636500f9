/**
 * Listener counts from what servers publish: Icecast status-json (the object-or-array quirk) and
 * /admin/stats, Shoutcast 2 `stats?sid=` (XML or JSON) and Shoutcast 1 `7.html` (also what a
 * host's `7.xsl` mimics), or a custom URL that answers with a number (BUTT's
 * `custom_listener_url`). Parsers are pure; `fetchListenerCount` does the request.
 */
import { appError, type AppError } from '../../../shared/errors';
import { httpGet, safeUrl } from './http-get';
import { normalizeMount } from './icecast-title';
import { basicAuth } from './percent-encode';

export type CountResult = { ok: true; listeners: number } | { ok: false; error: AppError };

const notFound = (what: string): CountResult => ({ ok: false, error: appError('LISTENERS_MOUNT_NOT_FOUND', `The server lists no ${what} (not connected yet?)`) });
const unreadable = (what: string, detail?: string): CountResult => ({ ok: false, error: appError('LISTENERS_UNREADABLE', `The ${what} answer holds no listener count`, detail) });

function count(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The path of a listen URL (`http://host:port/live.mp3` -> `/live.mp3`). */
function mountOf(listenUrl: string): string {
  try {
    return decodeURIComponent(new URL(listenUrl).pathname);
  } catch {
    return listenUrl;
  }
}

/** Icecast `/status-json.xsl`: `icestats.source` is absent, one object, or an array. */
export function listenersFromIcecastJson(body: string, mount: string): CountResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return unreadable('Icecast status-json', String(error));
  }
  const source = (json as { icestats?: { source?: unknown } })?.icestats?.source;
  const list = source === undefined ? [] : Array.isArray(source) ? source : [source];
  const wanted = normalizeMount(mount);
  const entry = list.find((s) => typeof s === 'object' && s !== null && mountOf(String((s as { listenurl?: unknown }).listenurl ?? '')) === wanted) as { listeners?: unknown } | undefined;
  if (!entry) return notFound(`mount ${wanted}`);
  const listeners = count(entry.listeners);
  return listeners === undefined ? unreadable('Icecast status-json') : { ok: true, listeners };
}

/** Icecast `/admin/stats` (XML, admin credentials): `<source mount="/m">...<listeners>N`. */
export function listenersFromIcecastStatsXml(body: string, mount: string): CountResult {
  const wanted = normalizeMount(mount);
  for (const match of body.matchAll(/<source\s+mount="([^"]*)"\s*>([\s\S]*?)<\/source>/g)) {
    if (decodeXml(match[1]!) !== wanted) continue;
    const listeners = count(/<listeners>\s*(\d+)\s*<\/listeners>/.exec(match[2]!)?.[1]);
    return listeners === undefined ? unreadable('Icecast /admin/stats') : { ok: true, listeners };
  }
  return notFound(`mount ${wanted}`);
}

/** Shoutcast 2 `/stats?sid=N` (XML) or `&json=1`; also v1's `/admin.cgi?mode=viewxml`. */
export function listenersFromShoutcastStats(body: string): CountResult {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as Record<string, unknown>;
      const listeners = count(json.currentlisteners ?? json.CURRENTLISTENERS);
      return listeners === undefined ? unreadable('Shoutcast stats') : { ok: true, listeners };
    } catch (error) {
      return unreadable('Shoutcast stats', String(error));
    }
  }
  const listeners = count(/<CURRENTLISTENERS>\s*(\d+)\s*<\/CURRENTLISTENERS>/i.exec(trimmed)?.[1]);
  return listeners === undefined ? unreadable('Shoutcast stats') : { ok: true, listeners };
}

/**
 * Shoutcast 1 `/7.html`: `<html><body>CURRENTLISTENERS,STREAMSTATUS,PEAKLISTENERS,MAXLISTENERS,
 * UNIQUELISTENERS,BITRATE,SONGTITLE</body></html>`. Field 1 is the current listener count (the
 * title, last, may itself hold commas).
 */
export function listenersFrom7Html(body: string): CountResult {
  const text = body.replace(/<[^>]*>/g, '').trim();
  const fields = text.split(',');
  const listeners = fields.length >= 2 ? count(fields[0]) : undefined;
  return listeners === undefined ? unreadable('7.html', text.slice(0, 100)) : { ok: true, listeners };
}

/** A custom URL: the whole (trimmed) body is a number. */
export function listenersFromNumber(body: string): CountResult {
  const listeners = count(body.trim());
  return listeners === undefined ? unreadable('custom listener URL', body.trim().slice(0, 100)) : { ok: true, listeners };
}

function decodeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

export type ListenerSource =
  | { kind: 'icecast-json'; baseUrl: string; mount: string }
  | { kind: 'icecast-admin-stats'; baseUrl: string; mount: string; user: string; password: string }
  | { kind: 'shoutcast-stats'; baseUrl: string; sid: number }
  | { kind: 'shoutcast-7html'; baseUrl: string }
  | { kind: 'custom'; url: string };

export function listenerSourceUrl(source: ListenerSource): string {
  const base = 'baseUrl' in source ? source.baseUrl.replace(/\/+$/, '') : '';
  switch (source.kind) {
    case 'icecast-json':
      return `${base}/status-json.xsl`;
    case 'icecast-admin-stats':
      return `${base}/admin/stats`;
    case 'shoutcast-stats':
      return `${base}/stats?sid=${source.sid}&json=1`;
    case 'shoutcast-7html':
      return `${base}/7.html`;
    case 'custom':
      return source.url;
  }
}

export async function fetchListenerCount(source: ListenerSource, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CountResult> {
  const url = listenerSourceUrl(source);
  const headers: Record<string, string> = { 'User-Agent': 'Airtight (Mozilla Compatible)' };
  if (source.kind === 'icecast-admin-stats') headers.Authorization = basicAuth(source.user, source.password);
  const result = await httpGet(url, { headers, timeoutMs: options.timeoutMs, signal: options.signal, maxBytes: 1024 * 1024 });
  if (!result.ok) return { ok: false, error: { ...result.error, code: `LISTENERS_${result.error.code}` } };
  if (result.status === 401 || result.status === 403) {
    return { ok: false, error: appError('LISTENERS_AUTH_FAILED', `${safeUrl(url)} refused the credentials`, `HTTP ${result.status}`) };
  }
  if (result.status < 200 || result.status > 299) {
    return { ok: false, error: appError('LISTENERS_HTTP_ERROR', `${safeUrl(url)} answered HTTP ${result.status}`) };
  }
  switch (source.kind) {
    case 'icecast-json':
      return listenersFromIcecastJson(result.body, source.mount);
    case 'icecast-admin-stats':
      return listenersFromIcecastStatsXml(result.body, source.mount);
    case 'shoutcast-stats':
      return listenersFromShoutcastStats(result.body);
    case 'shoutcast-7html':
      return listenersFrom7Html(result.body);
    case 'custom':
      return listenersFromNumber(result.body);
  }
}
