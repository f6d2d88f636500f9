/**
 * The headless host's web UI (`--ui-port`): serves the built renderer (out/renderer) to a
 * browser, read-only, from one folder. No framework: GET/HEAD of files under that folder,
 * nothing else. Every response carries the strict CSP; a Host header that does not name this
 * machine is refused (DNS rebinding: a web page whose name suddenly points at 127.0.0.1 must
 * not read index.html, which carries the event API token); `..` and encoded separators are
 * refused before any path is built; folders are never listed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { appError, type AppError } from '../../shared/errors';
import { contentSecurityPolicy, servedIndexHtml } from './index-page';

export interface UiServerOptions {
  /** The built renderer folder (holds index.html). */
  root: string;
  port: number;
  /** Default 127.0.0.1; anything else exposes the UI (and its token) to the network. */
  bindAddress?: string;
  /** The event API the page talks to. */
  apiPort: number;
  apiToken: string;
  log?: { info(message: string): void; warn(message: string): void };
}

export interface UiServer {
  readonly port: number;
  readonly bindAddress: string;
  /** Stops accepting, ends open connections (keep-alive ones too), resolves once the port is free. */
  close(signal?: AbortSignal): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Names a browser may use for this machine: loopback, the bound address, the machine's own addresses. */
function machineNames(bindAddress: string): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  if (bindAddress === '127.0.0.1' || bindAddress === '::1') return names;
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') names.add(bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress);
  else {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address.split('%')[0]}]` : a.address);
    }
  }
  return names;
}

/** Exact origins the page has in a browser, for the event API's Origin check. */
export function uiOrigins(bindAddress: string, uiPort: number): string[] {
  return [...machineNames(bindAddress)].map((name) => `http://${name}:${uiPort}`);
}

/** The host name (no port) of a Host header, lower-cased, or undefined when unusable. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    const url = new URL(`http://${header}`);
    return url.username || url.password || url.pathname !== '/' ? undefined : url.hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The file a request path names under root, or why not. Decodes once; refuses `..`, NUL,
 * backslashes and encoded slashes rather than normalising them away (a request that needs
 * them is not from our page).
 */
export function fileFor(root: string, rawUrl: string | undefined): { path: string } | { status: 400 | 404; reason: string } {
  const pathname = (rawUrl ?? '/').split('?')[0]!.split('#')[0]!;
  if (/%2f|%5c|%00/i.test(pathname)) return { status: 400, reason: 'encoded separator' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { status: 400, reason: 'bad escape' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { status: 400, reason: 'bad path' };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { status: 400, reason: 'dot segment' };
  const relative = segments.length === 0 ? 'index.html' : segments.join(sep);
  const base = resolve(root);
  const path = resolve(base, relative);
  if (!path.startsWith(base + sep)) return { status: 400, reason: 'outside the UI folder' };
  return { path };
}

export async function startUiServer(options: UiServerOptions): Promise<{ ok: true; server: UiServer } | { ok: false; error: AppError }> {
  const bindAddress = options.bindAddress ?? '127.0.0.1';
  const root = resolve(options.root);
  try {
    if (!(await stat(join(root, 'index.html'))).isFile()) throw new Error('not a file');
  } catch {
    return { ok: false, error: appError('UI_NOT_BUILT', `The web UI is not built: ${join(root, 'index.html')} is missing (run the build first).`) };
  }
  const allowedNames = machineNames(bindAddress);
  const refusedHosts = new Map<string, number>();

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string, apiUrl?: string, head = false): void => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      // index.html carries the token: never cached.
      'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
      ...(apiUrl ? { 'Content-Security-Policy': contentSecurityPolicy(apiUrl) } : { 'Content-Security-Policy': "default-src 'none'" }),
    });
    res.end(head ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'Method not allowed\n', 'text/plain; charset=utf-8');
    }
    const hostName = req.headers.host === undefined ? bindAddressName(bindAddress) : hostNameOf(req.headers.host);
    if (hostName === undefined || !allowedNames.has(hostName)) {
      const key = String(req.headers.host).slice(0, 64);
      const seen = (refusedHosts.get(key) ?? 0) + 1;
      refusedHosts.set(key, seen);
      // One line per foreign name (a rebinding page retries a lot); the map is bounded by a cap.
      if (seen === 1 && refusedHosts.size <= 32) options.log?.warn(`Web UI: refused a request naming another host ("${key}").`);
      return send(res, 403, 'This address does not name this machine.\n', 'text/plain; charset=utf-8');
    }
    const target = fileFor(root, req.url);
    if ('status' in target) return send(res, target.status, 'Bad request\n', 'text/plain; charset=utf-8');
    const apiUrl = `ws://${hostName}:${options.apiPort}/v1?token=${encodeURIComponent(options.apiToken)}`;
    let body: Buffer;
    try {
      if (!(await stat(target.path)).isFile()) throw new Error('not a file');
      body = await readFile(target.path);
    } catch {
      return send(res, 404, 'Not found\n', 'text/plain; charset=utf-8');
    }
    const type = MIME[extname(target.path).toLowerCase()] ?? 'application/octet-stream';
    if (target.path === join(root, 'index.html')) return send(res, 200, servedIndexHtml(body.toString('utf8'), apiUrl), type, apiUrl, head);
    send(res, 200, body, type, apiUrl, head);
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal error\n', 'text/plain; charset=utf-8');
      else res.destroy();
    });
  });
  http.headersTimeout = 10_000;
  http.requestTimeout = 15_000;
  http.keepAliveTimeout = 5_000;
  const failed = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    http.once('error', done);
    http.listen({ port: options.port, host: bindAddress, exclusive: true }, () => done(undefined));
  });
  if (failed) {
    return { ok: false, error: appError('UI_PORT_UNAVAILABLE', `Could not serve the web UI on ${bindAddress}:${options.port}.`, failed.code ?? failed.message) };
  }
  http.on('error', (error) => options.log?.warn(`Web UI error: ${error.message}`));
  const port = (http.address() as { port: number }).port;
  let closing: Promise<void> | undefined;
  const close = (signal?: AbortSignal): Promise<void> =>
    (closing ??= new Promise<void>((done) => {
      http.close(() => done());
      http.closeIdleConnections();
      // A download in flight gets until the deadline; then every socket is cut.
      const cut = (): void => http.closeAllConnections();
      if (signal?.aborted) cut();
      else signal?.addEventListener('abort', cut, { once: true });
      setTimeout(cut, 1000).unref();
    }));
  return { ok: true, server: { port, bindAddress, close } };
}

function bindAddressName(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::') return '127.0.0.1';
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}
