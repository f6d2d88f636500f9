/**
 * Opens one source connection: dial (TCP or TLS on the same port), send the request, read
 * and judge the answer. Returns the socket ready for audio, or a failure. Cancelled at once
 * by the signal (the socket is destroyed, a pending DNS lookup is abandoned).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { AudioFormat } from '../audio/audio-format';
import { failure, socketFailure, type StreamFailure } from './stream-errors';
import { judgeIcecastAnswer, judgeShoutcastAnswer, parseHttpAnswer } from './server-answer';
import { icecastPutRequest, icecastSourceRequest, shoutcastHeaders, shoutcastPasswordLine, type SourceDescription } from './source-request';
import type { ServerEntry, StreamInfo } from './server-settings';
import { judgeCertificate, readCaPath, systemCertificates } from './tls-trust';

export interface HandshakeOptions {
  entry: ServerEntry;
  info: StreamInfo;
  mimeType: string;
  format?: AudioFormat;
  signal: AbortSignal;
  /** TCP connect plus TLS handshake. */
  connectTimeoutMs?: number;
  /** From the request to a final answer. */
  answerTimeoutMs?: number;
}

export type HandshakeResult =
  | { ok: true; socket: Socket; protocol: 'put' | 'source' | 'shoutcast' }
  | { ok: false; failure: StreamFailure }
  | { ok: false; aborted: true };

const ABORTED = { ok: false, aborted: true } as const;
/** After a bare `100 Continue`, how long to wait for the final answer before taking 100 as yes (BUTT does). */
const CONTINUE_GRACE_MS = 1000;

export function describeServer(entry: ServerEntry): string {
  return `"${entry.name}" (${entry.address}:${entry.type === 'shoutcast' ? entry.port + 1 : entry.port})`;
}

export async function openSource(options: HandshakeOptions): Promise<HandshakeResult> {
  const { entry } = options;
  if (entry.type === 'shoutcast') return shoutcast(options);
  const first = await icecast(options, entry.protocol);
  // PUT answered 400/404/405/501: an Icecast older than 2.4 (or a panel's proxy); SOURCE never falls back.
  return first === 'fallback' ? ((await icecast(options, 'source')) as HandshakeResult) : first;
}

async function icecast(
  options: HandshakeOptions,
  method: 'put' | 'source',
): Promise<HandshakeResult | 'fallback'> {
  const where = describeServer(options.entry);
  const dialed = await dial(options, options.entry.port);
  if (!dialed.ok) return dialed;
  const socket = dialed.socket;
  const source: SourceDescription = { entry: options.entry, info: options.info, mimeType: options.mimeType, ...(options.format ? { format: options.format } : {}) };
  socket.write(method === 'put' ? icecastPutRequest(source) : icecastSourceRequest(source));
  let continueSeenAt: number | undefined;
  const answer = await readAnswer(socket, options, (bytes, closed) => {
    const parsed = parseHttpAnswer(bytes);
    if (parsed === 'garbage') {
      return failure('STREAM_PROTOCOL_ERROR', `${where} did not answer like an Icecast server.`, { detail: bytes.toString('latin1', 0, 120) });
    }
    if (parsed === 'incomplete') {
      if (/^HTTP\/\d\.\d 100/.test(bytes.toString('latin1', 0, 16))) {
        continueSeenAt ??= Date.now();
        // A server that only says "continue" and waits for the body: take it as accepted.
        if (!closed && Date.now() - continueSeenAt >= CONTINUE_GRACE_MS) return 'accepted';
        if (!closed) return 'recheck';
      }
      if (!closed) return 'incomplete';
      if (bytes.length === 0) {
        return failure('STREAM_REJECTED', `${where} accepted the connection and closed it without answering.`);
      }
      return failure('STREAM_PROTOCOL_ERROR', `${where} closed the connection in the middle of its answer.`, { detail: bytes.toString('latin1', 0, 120) });
    }
    const judged = judgeIcecastAnswer(parsed, where);
    if (judged === undefined) return 'accepted';
    if (judged === 'fallback') return method === 'put' ? 'fallback' : failure('STREAM_SERVER_REFUSED', `${where} refused the source request (HTTP ${parsed.status} ${parsed.reason}). Check the mount point.`, { detail: parsed.body.toString('utf8', 0, 200) });
    return judged;
  });
  if (answer === 'accepted') return { ok: true, socket, protocol: method };
  socket.destroy();
  if (answer === 'aborted') return ABORTED;
  if (answer === 'fallback') return 'fallback';
  return { ok: false, failure: answer };
}

/**
 * Shoutcast v1 source protocol on port + 1. Shoutcast 2 (DNAS 2.x) is reached the same way, as
 * BUTT does: DNAS 2 takes v1 sources ("legacy" sources; since 2.4.7 for any stream, picked by
 * its password), with `user:pass:#sid` in the password field. DNAS 2's own Ultravox 2.1 source
 * protocol is not implemented, and no server here speaks it to test against.
 */
async function shoutcast(options: HandshakeOptions): Promise<HandshakeResult> {
  const where = describeServer(options.entry);
  const dialed = await dial(options, options.entry.port + 1);
  if (!dialed.ok) return dialed;
  const socket = dialed.socket;
  socket.write(shoutcastPasswordLine(options.entry));
  const answer = await readAnswer(socket, options, (bytes, closed) => {
    const judged = judgeShoutcastAnswer(bytes, where);
    if (judged === 'incomplete') {
      if (!closed) return 'incomplete';
      if (bytes.length === 0) {
        // Icecast's Shoutcast port (and some DNAS versions) just hang up on a wrong password.
        return failure('STREAM_AUTH_FAILED', `${where} closed the connection right after the password: the password is probably wrong.`);
      }
      return failure('STREAM_PROTOCOL_ERROR', `${where} did not answer like a Shoutcast server.`, { detail: bytes.toString('latin1', 0, 120) });
    }
    return judged ?? 'accepted';
  });
  if (answer === 'accepted') {
    socket.write(shoutcastHeaders({ entry: options.entry, info: options.info, mimeType: options.mimeType }));
    return { ok: true, socket, protocol: 'shoutcast' };
  }
  socket.destroy();
  if (answer === 'aborted' || answer === 'fallback') return ABORTED;
  return { ok: false, failure: answer };
}

type Judge = (bytes: Buffer, closed: boolean) => StreamFailure | 'incomplete' | 'recheck' | 'accepted' | 'fallback';

/** Feeds what the server says to `judge` until it decides, the server closes, time runs out or the signal fires. */
function readAnswer(socket: Socket, options: HandshakeOptions, judge: Judge): Promise<StreamFailure | 'accepted' | 'fallback' | 'aborted'> {
  const where = describeServer(options.entry);
  return new Promise((resolve) => {
    let bytes = Buffer.alloc(0);
    let recheck: NodeJS.Timeout | undefined;
    const finish = (result: StreamFailure | 'accepted' | 'fallback' | 'aborted'): void => {
      clearTimeout(timer);
      clearTimeout(recheck);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      options.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const decide = (closed: boolean): void => {
      const verdict = judge(bytes, closed);
      if (verdict === 'incomplete') return;
      if (verdict === 'recheck') {
        clearTimeout(recheck);
        recheck = setTimeout(() => decide(false), CONTINUE_GRACE_MS);
        return;
      }
      finish(verdict);
    };
    const onData = (data: Buffer): void => {
      bytes = Buffer.concat([bytes, data]);
      decide(false);
    };
    const onClose = (): void => decide(true);
    // With part of an answer in hand, wait for 'close' and judge what arrived.
    const onError = (error: NodeJS.ErrnoException): void => {
      if (bytes.length === 0) finish(socketFailure(error, where));
    };
    const onAbort = (): void => finish('aborted');
    const timer = setTimeout(() => {
      finish(failure('STREAM_TIMEOUT', `${where} did not answer the source request within ${Math.round((options.answerTimeoutMs ?? 10_000) / 1000)} s.`));
    }, options.answerTimeoutMs ?? 10_000);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    options.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** TCP (or TLS) connection with a timeout; the TLS certificate judged against the CAs and the pin. */
function dial(options: HandshakeOptions, port: number): Promise<{ ok: true; socket: Socket } | { ok: false; failure: StreamFailure } | typeof ABORTED> {
  const { entry, signal } = options;
  const where = describeServer(entry);
  if (signal.aborted) return Promise.resolve(ABORTED);
  let ca: string[] | undefined;
  if (entry.tls) {
    ca = systemCertificates();
    if (entry.caPath) {
      const extra = readCaPath(entry.caPath);
      if (!Array.isArray(extra)) return Promise.resolve({ ok: false, failure: extra });
      ca = [...ca, ...extra];
    }
  }
  return new Promise((resolve) => {
    const socket: Socket = entry.tls
      ? tlsConnect({
          host: entry.address,
          port,
          ...(isIP(entry.address) ? {} : { servername: entry.address }),
          ...(ca ? { ca } : {}),
          // Validated below, so an untrusted certificate becomes a state with its hash, not a bare error.
          rejectUnauthorized: false,
        })
      : netConnect({ host: entry.address, port });
    const finish = (result: { ok: true; socket: Socket } | { ok: false; failure: StreamFailure } | typeof ABORTED): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      if (!result.ok) socket.destroy();
      resolve(result);
    };
    const onError = (error: NodeJS.ErrnoException): void => finish({ ok: false, failure: socketFailure(error, where) });
    const onAbort = (): void => finish(ABORTED);
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    let tcpConnected = false;
    socket.once('connect', () => (tcpConnected = true));
    const timer = setTimeout(() => {
      const seconds = Math.round(timeoutMs / 1000);
      finish({
        ok: false,
        failure: tcpConnected
          ? failure('STREAM_TLS_FAILED', `${where} accepted the connection but did not complete a TLS handshake within ${seconds} s. Is TLS enabled on that port?`)
          : failure('STREAM_TIMEOUT', `${where} did not accept the connection within ${seconds} s.`),
      });
    }, timeoutMs);
    socket.on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    if (entry.tls) {
      socket.once('secureConnect', () => {
        const refused = judgeCertificate(socket as TLSSocket, entry.certHash, where);
        finish(refused ? { ok: false, failure: refused } : { ok: true, socket });
      });
    } else {
      socket.once('connect', () => finish({ ok: true, socket }));
    }
  });
}
