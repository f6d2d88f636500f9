/**
 * Who may open an event API socket, decided on the HTTP upgrade request before any WebSocket
 * exists: the right path, a token (header or query: browsers cannot set headers on a
 * WebSocket), an Origin that is not some other web site (a page in the operator's browser
 * must not drive the broadcaster), and a Host header naming this machine (DNS rebinding).
 */
import type { IncomingMessage } from 'node:http';
import { tokenMatches } from './api-token';

export const API_PATH = '/v1';

export type GuardVerdict =
  | { ok: true; levelsHz: number | undefined }
  | { ok: false; status: 400 | 401 | 403 | 404; reason: string };

export interface GuardOptions {
  token: string;
  /** Exact origins allowed besides none at all (e.g. the web UI's `http://127.0.0.1:8080`). */
  allowedOrigins: readonly string[];
  /** When listening on loopback only: refuse Host headers that name another machine. */
  loopbackOnly: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function checkUpgrade(request: IncomingMessage, options: GuardOptions): GuardVerdict {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return { ok: false, status: 400, reason: 'bad request line' };
  }
  if (url.pathname !== API_PATH && url.pathname !== '/') return { ok: false, status: 404, reason: `unknown path ${url.pathname.slice(0, 64)}` };
  if (options.loopbackOnly && !isLoopbackHost(request.headers.host)) {
    return { ok: false, status: 403, reason: `Host header "${String(request.headers.host).slice(0, 64)}" is not this machine` };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !options.allowedOrigins.includes(origin)) {
    return { ok: false, status: 403, reason: `origin ${origin.slice(0, 100)} not allowed` };
  }
  const offered = bearerToken(request.headers.authorization) ?? url.searchParams.get('token') ?? undefined;
  if (offered === undefined) return { ok: false, status: 401, reason: 'no token' };
  if (!tokenMatches(options.token, offered)) return { ok: false, status: 401, reason: 'wrong token' };
  return { ok: true, levelsHz: levelsParam(url.searchParams.get('levels')) };
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return true; // HTTP/1.0 clients may omit it; a browser always sends one
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return LOOPBACK_HOSTS.has(name.toLowerCase());
}

/** `?levels=0` turns level events off, `?levels=5` asks for at most 5 Hz. */
function levelsParam(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const hz = Number(raw);
  return Number.isFinite(hz) && hz >= 0 ? hz : undefined;
}
