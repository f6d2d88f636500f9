/**
 * The event API server: JSON over WebSocket on 127.0.0.1 (by default), token required.
 * Pushes every state change the host emits, runs commands, and stays out of the host's way:
 * upgrades are checked before a WebSocket exists (token, Origin, Host, connection cap),
 * frames are capped (maxPayload, no compression), every connection has rate limits and
 * bounded send buffers, a client that stops reading is cut off, and every command has a
 * deadline. Malformed input is counted and summarised in the log, never echoed line by line.
 *
 * Runs in the host process. freeze() is for the shutdown's freeze-inputs phase; close() ends
 * every connection with 1001 "going away" within the given signal (or 1 s).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { RefusalSummary } from '../../shared/refusal-summary';
import { appError, toAppError, type AppError } from '../../shared/errors';
import { TokenBucket } from '../control/token-bucket';
import { ApiClient, type ClientLimits } from './api-client';
import type { EventApiHost } from './event-api-host';
import { LEVEL_EVENT, errorMessage, eventMessage, helloMessage, parseClientMessage, resultMessage, type ApiCommand, type CommandId } from './protocol';
import { checkUpgrade } from './upgrade-guard';

/**
 * Default port. BUTT's command server takes 1256-1265; 1280 is close enough to remember and
 * clear of that range. The API is on by default (a Stream Deck / Companion module needs a
 * port it can find) because it is loopback-only and every connection needs the token.
 */
export const DEFAULT_EVENT_API_PORT = 1280;

export interface EventApiLimits extends ClientLimits {
  /** Authenticated clients at once; a newcomer beyond this is refused (503). */
  maxClients: number;
  /** Raw TCP connections at once, including ones still in their HTTP handshake. */
  maxSockets: number;
  /** Largest frame accepted; a bigger one closes the connection (1009). */
  maxPayloadBytes: number;
  /** An HTTP upgrade request must arrive whole within this. */
  handshakeTimeoutMs: number;
  /** A client above maxBufferedBytes for this long is terminated. */
  stuckCloseMs: number;
  /** Commands reaching the host from all clients together. */
  hostCommandBurst: number;
  hostCommandsPerSecond: number;
  commandTimeoutMs: number;
  summaryIntervalMs: number;
}

export const DEFAULT_EVENT_API_LIMITS: EventApiLimits = {
  maxLevelsHz: 20,
  levelsBufferedBytes: 16 * 1024,
  maxBufferedBytes: 512 * 1024,
  messageBurst: 200,
  messagesPerSecond: 100,
  floodCloseAfter: 500,
  commandBurst: 20,
  commandsPerSecond: 10,
  maxCommandsInFlight: 8,
  maxClients: 64,
  maxSockets: 256,
  maxPayloadBytes: 64 * 1024,
  handshakeTimeoutMs: 5000,
  stuckCloseMs: 5000,
  hostCommandBurst: 40,
  hostCommandsPerSecond: 20,
  commandTimeoutMs: 5000,
  summaryIntervalMs: 10_000,
};

export interface EventApiLog {
  info(message: string): void;
  warn(message: string, error?: AppError): void;
}

export interface EventApiOptions {
  host: EventApiHost;
  token: string;
  appVersion: string;
  /** 0 = any free port (tests). */
  port?: number;
  /** Default 127.0.0.1. Anything else is the caller's explicit choice. */
  bindAddress?: string;
  /** Origins allowed besides none (the web UI's own origin, e.g. `http://127.0.0.1:8080`). */
  allowedOrigins?: string[];
  log?: EventApiLog;
  limits?: Partial<EventApiLimits>;
}

export interface EventApiStats {
  clients: number;
  accepted: number;
  refused: Record<'auth' | 'origin' | 'host' | 'path' | 'full' | 'frozen' | 'handshake', number>;
  messages: number;
  commands: number;
  malformed: number;
  rateLimited: number;
  floodClosed: number;
  stuckClosed: number;
  oversizeClosed: number;
  /** Messages of any kind written to clients. */
  sent: number;
  /** Non-level events not sent because the client was too far behind. */
  droppedEvents: number;
  /** Level events dropped (client behind) or superseded by newer levels within its interval. */
  droppedLevels: number;
  /** Highest bufferedAmount any client reached right after a send. */
  maxBuffered: number;
  commandTimeouts: number;
}

export type StartEventApiResult = { ok: true; server: EventApiServer } | { ok: false; error: AppError };

export async function startEventApi(options: EventApiOptions): Promise<StartEventApiResult> {
  const server = new EventApiServer(options);
  const failure = await server.listen();
  if (failure) return { ok: false, error: failure };
  return { ok: true, server };
}

type ProblemKind = 'auth' | 'origin' | 'host' | 'path' | 'full' | 'malformed' | 'rateLimited' | 'flood' | 'stuck' | 'oversize' | 'timeout';

const silentLog: EventApiLog = { info: () => undefined, warn: () => undefined };

export class EventApiServer {
  port = 0;
  readonly bindAddress: string;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly limits: EventApiLimits;
  private readonly log: EventApiLog;
  private readonly clients = new Set<ApiClient>();
  private readonly sockets = new Set<Socket>();
  private readonly hostBucket: TokenBucket;
  private readonly unsubscribe: () => void;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly summaryTimer: NodeJS.Timeout;
  private readonly refusals = new RefusalSummary<ProblemKind>({
      auth: 'without a valid token',
      origin: 'from another web site (Origin)',
      host: 'naming another host (Host header)',
      path: 'to an unknown path',
      full: 'over the client limit',
      malformed: 'malformed messages',
      rateLimited: 'over the rate limit',
      flood: 'connections closed for flooding',
      stuck: 'clients cut off for not reading',
      oversize: 'frames over the size limit',
      timeout: 'commands past their deadline',
  });
  private nextClientId = 1;
  private upgrading = 0;
  private seq = 0;
  private frozen = false;
  private closing: Promise<void> | undefined;
  private readonly counts: EventApiStats = {
    clients: 0,
    accepted: 0,
    refused: { auth: 0, origin: 0, host: 0, path: 0, full: 0, frozen: 0, handshake: 0 },
    messages: 0,
    commands: 0,
    malformed: 0,
    rateLimited: 0,
    floodClosed: 0,
    stuckClosed: 0,
    oversizeClosed: 0,
    sent: 0,
    droppedEvents: 0,
    droppedLevels: 0,
    maxBuffered: 0,
    commandTimeouts: 0,
  };

  constructor(private readonly options: EventApiOptions) {
    this.limits = { ...DEFAULT_EVENT_API_LIMITS, ...options.limits };
    this.log = options.log ?? silentLog;
    this.bindAddress = options.bindAddress ?? '127.0.0.1';
    this.hostBucket = new TokenBucket(this.limits.hostCommandBurst, this.limits.hostCommandsPerSecond);
    this.http = createServer({
      headersTimeout: this.limits.handshakeTimeoutMs,
      requestTimeout: this.limits.handshakeTimeoutMs,
      // Node checks those timeouts every 30 s by default: far too lazy for idle sockets.
      connectionsCheckingInterval: Math.min(1000, this.limits.handshakeTimeoutMs),
      maxHeaderSize: 8 * 1024,
    });
    this.http.maxConnections = this.limits.maxSockets;
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.http.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: appError('API_UPGRADE_REQUIRED', 'This is the Airtight event API: connect with a WebSocket (see docs/EVENT-API.md).') }));
    });
    this.http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(request, socket, head));
    this.http.on('clientError', (_error, socket) => {
      this.counts.refused.handshake++;
      socket.destroy();
    });
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.limits.maxPayloadBytes,
      // Compression costs CPU per frame and opens the door to decompression bombs.
      perMessageDeflate: false,
    });
    this.unsubscribe = options.host.on((name, data) => this.broadcast(name, data));
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, this.limits.stuckCloseMs / 4)));
    this.sweepTimer.unref();
    this.summaryTimer = setInterval(() => this.summarise(), this.limits.summaryIntervalMs);
    this.summaryTimer.unref();
  }

  get address(): string {
    return `${this.bindAddress}:${this.port}`;
  }

  stats(): EventApiStats {
    return { ...this.counts, refused: { ...this.counts.refused }, clients: this.clients.size };
  }

  /** Binds; returns why not, or undefined once listening. */
  async listen(): Promise<AppError | undefined> {
    const wanted = this.options.port ?? DEFAULT_EVENT_API_PORT;
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      this.http.once('error', resolve);
      this.http.listen({ port: wanted, host: this.bindAddress, exclusive: true, backlog: 128 }, () => resolve(undefined));
    });
    if (error) {
      this.stopTimers();
      return appError('API_PORT_UNAVAILABLE', `Could not start the event API on ${this.bindAddress}:${wanted}.`, error.code ?? error.message);
    }
    this.http.on('error', (e) => this.log.warn(`Event API error: ${e.message}`));
    this.port = (this.http.address() as { port: number }).port;
    this.log.info(`Event API listening on ws://${this.bindAddress}:${this.port}/v1 (token required).`);
    return undefined;
  }

  /** Shutdown phase 1: no new connections, no more commands; events keep flowing until close(). */
  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.http.close();
  }

  /** Freeze, close every client with 1001 "going away", wait (bounded by `signal`, else 1 s), cut the rest. */
  close(signal?: AbortSignal): Promise<void> {
    this.closing ??= this.doClose(signal);
    return this.closing;
  }

  private async doClose(signal?: AbortSignal): Promise<void> {
    this.freeze();
    this.unsubscribe();
    this.stopTimers();
    this.summarise();
    const closed = [...this.clients].map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.ws.readyState === client.ws.CLOSED) return resolve();
          client.ws.once('close', () => resolve());
          client.ws.close(1001, 'going away');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      if (signal) {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      } else timer = setTimeout(resolve, 1000);
    });
    await Promise.race([Promise.all(closed), bound]);
    clearTimeout(timer);
    for (const client of this.clients) client.ws.terminate();
    for (const socket of this.sockets) socket.destroy();
    this.wss.close();
  }

  private stopTimers(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.summaryTimer);
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    if (this.frozen) {
      this.counts.refused.frozen++;
      return refuse(socket, 503, 'shutting down');
    }
    const verdict = checkUpgrade(request, {
      token: this.options.token,
      allowedOrigins: this.options.allowedOrigins ?? [],
      loopbackOnly: isLoopbackAddress(this.bindAddress),
    });
    const from = request.socket.remoteAddress ?? '?';
    if (!verdict.ok) {
      const kind = verdict.status === 401 ? 'auth' : verdict.status === 404 || verdict.status === 400 ? 'path' : verdict.reason.startsWith('origin') ? 'origin' : 'host';
      this.counts.refused[kind]++;
      this.problem(kind, `${from}: ${verdict.reason}`);
      return refuse(socket, verdict.status, verdict.reason);
    }
    if (this.clients.size + this.upgrading >= this.limits.maxClients) {
      this.counts.refused.full++;
      this.problem('full', `${from}: ${this.limits.maxClients} clients already connected`);
      return refuse(socket, 503, 'too many clients');
    }
    // Counted until the handshake ends: handleUpgrade refuses bad WebSocket headers itself
    // (400, socket closed) and then never calls back.
    this.upgrading++;
    let counted = true;
    const done = (): void => {
      if (counted) this.upgrading--;
      counted = false;
    };
    socket.once('close', done);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      done();
      socket.removeListener('close', done);
      this.onClient(ws, verdict.levelsHz);
    });
  }

  private onClient(ws: WebSocket, levelsHz: number | undefined): void {
    if (this.frozen) return ws.close(1001, 'going away');
    const client = new ApiClient(this.nextClientId++, ws, this.limits, levelsHz, this.counts);
    this.clients.add(client);
    this.counts.accepted++;
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.counts.oversizeClosed++;
        this.problem('oversize', `client #${client.id}: frame over ${this.limits.maxPayloadBytes} bytes`);
      } else this.problem('malformed', `client #${client.id}: ${error.message}`);
    });
    ws.on('close', () => {
      client.dispose();
      this.clients.delete(client);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(client, data, isBinary));
    let snapshot: unknown;
    try {
      snapshot = this.options.host.snapshot();
    } catch (error) {
      snapshot = { error: toAppError(error, 'API_SNAPSHOT_FAILED', 'The state snapshot could not be built') };
    }
    client.send(helloMessage(this.options.appVersion, snapshot, client.levelsHz));
  }

  private onMessage(client: ApiClient, data: RawData, isBinary: boolean): void {
    this.counts.messages++;
    if (!client.open) return; // closing (flood, shutdown): what is still in flight is ignored
    if (!client.messages.take()) {
      this.counts.rateLimited++;
      client.refusedInARow++;
      if (client.refusedInARow === 1) {
        this.problem('rateLimited', `client #${client.id}: messages over ${this.limits.messagesPerSecond}/s`);
        client.send(errorMessage(appError('API_RATE_LIMITED', `Too many messages: at most ${this.limits.messagesPerSecond} a second.`)));
      }
      if (client.refusedInARow > this.limits.floodCloseAfter) {
        this.counts.floodClosed++;
        this.problem('flood', `client #${client.id}: closed for flooding`);
        client.ws.close(1008, 'message rate limit exceeded');
        client.refusedInARow = -Infinity; // close once; ignore the rest until it is gone
      }
      return;
    }
    if (client.refusedInARow > 0) client.refusedInARow = 0;
    if (isBinary) {
      this.counts.malformed++;
      this.problem('malformed', `client #${client.id}: binary frame`);
      client.send(errorMessage(appError('API_BAD_MESSAGE', 'Binary frames are not accepted: send JSON text.')));
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.counts.malformed++;
      this.problem('malformed', `client #${client.id}: ${parsed.error.code}`);
      client.send(parsed.id !== undefined ? resultMessage(parsed.id, parsed) : errorMessage(parsed.error));
      return;
    }
    this.runCommand(client, parsed.id, parsed.command);
  }

  private runCommand(client: ApiClient, id: CommandId, command: ApiCommand): void {
    const fail = (error: AppError): void => void client.send(resultMessage(id, { ok: false, error }));
    if (this.frozen) return fail(appError('API_SHUTTING_DOWN', 'Airtight is shutting down; commands are no longer accepted.'));
    if (client.inFlight >= this.limits.maxCommandsInFlight) {
      this.counts.rateLimited++;
      return fail(appError('API_BUSY', `At most ${this.limits.maxCommandsInFlight} commands may run at once per connection.`));
    }
    if (!client.commands.take() || !this.hostBucket.take()) {
      this.counts.rateLimited++;
      this.problem('rateLimited', `client #${client.id}: commands over the rate limit`);
      return fail(appError('API_RATE_LIMITED', 'Too many commands; try again in a moment.'));
    }
    this.counts.commands++;
    client.inFlight++;
    if (command.name !== 'status.get') this.log.info(`Event API command from client #${client.id}: ${command.name}.`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.counts.commandTimeouts++;
        this.problem('timeout', `client #${client.id}: ${command.name} took over ${this.limits.commandTimeoutMs} ms`);
        reject(appError('API_COMMAND_TIMEOUT', `"${command.name}" did not finish within ${this.limits.commandTimeoutMs / 1000} s.`));
      }, this.limits.commandTimeoutMs);
    });
    let running: Promise<unknown>;
    try {
      running = Promise.resolve(this.options.host.command(command));
    } catch (error) {
      running = Promise.reject(error);
    }
    Promise.race([running, deadline])
      .then(
        (result) => client.send(resultMessage(id, { ok: true, result: result ?? null })),
        (error: unknown) => fail(toAppError(error, 'API_COMMAND_FAILED', `"${command.name}" failed`)),
      )
      .finally(() => {
        clearTimeout(timer);
        client.inFlight--;
      });
  }

  /** Serialised once for all clients; levels go through each client's throttle instead. */
  private broadcast(name: string, data: unknown): void {
    if (this.clients.size === 0) return;
    let text: string;
    try {
      text = name === LEVEL_EVENT ? eventMessage(name, data) : eventMessage(name, data, ++this.seq);
    } catch {
      return; // not serialisable (a host bug): nothing a client could use
    }
    for (const client of this.clients) {
      if (name === LEVEL_EVENT) client.offerLevels(text);
      else client.send(text);
    }
  }

  /** Cuts off clients that have not read for stuckCloseMs. */
  private sweep(): void {
    const now = performance.now();
    for (const client of this.clients) {
      // Re-check: a client that stopped reading while no events were sent is still stuck.
      if (client.ws.bufferedAmount > this.limits.maxBufferedBytes) client.stuckSince ??= now;
      else client.stuckSince = undefined;
      if (client.stuckSince !== undefined && now - client.stuckSince >= this.limits.stuckCloseMs) {
        this.counts.stuckClosed++;
        this.problem('stuck', `client #${client.id}: not reading for ${Math.round(now - client.stuckSince)} ms`);
        client.ws.terminate(); // a close handshake would queue behind the same full buffer
      }
    }
  }

  private problem(kind: ProblemKind, what: string): void {
    this.refusals.record(kind, what);
  }

  private summarise(): void {
    const summary = this.refusals.take();
    if (!summary) return;
    const message = `Event API refused or dropped: ${summary}.`;
    this.log.warn(message, appError('API_REQUESTS_REFUSED', message));
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  const body = JSON.stringify({ error: reason });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  // A peer that never reads must not keep the socket: end() alone waits for it.
  setTimeout(() => socket.destroy(), 1000).unref();
}

function isLoopbackAddress(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === 'localhost';
}
