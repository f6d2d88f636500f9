/**
 * The BUTT-compatible command server (TCP, or UDP with `-U`), hardened where BUTT is not:
 * loopback only unless exposed (then an allow-list and a loud warning), a 2 s deadline for a
 * whole request, a cap on open connections (the oldest is dropped for a newcomer), token
 * buckets for status and commands, bounded command queue, and a status cache so no amount of
 * polling drives the target harder than a few calls a second. Malformed input is counted and
 * summarised in the log, never echoed line by line.
 *
 * Runs in the host process. freeze() is for the shutdown's freeze-inputs phase; close() ends
 * everything within the given signal (or 1 s).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { RefusalSummary } from '../../shared/refusal-summary';
import { appError, type AppError } from '../../shared/errors';
import { createAddressFilter, type AddressFilter } from './address-filter';
import { CommandRunner, type RunnableRequest } from './command-runner';
import { StatusCache } from './status-cache';
import type { ControlTarget } from './target';
import { AddressBuckets, TokenBucket } from './token-bucket';
import { ACK, MAX_FRAME_SIZE, decodeFrame, encodeStatus, rateLimitedReply, type ControlRequest } from './wire';

export const DEFAULT_PORT = 1256;
/** Without `-p`, BUTT tries 1256..1265 and uses the first it can bind. */
export const PORT_SEARCH_COUNT = 10;

export interface ControlLimits {
  /** Open TCP connections; a newcomer beyond this drops the oldest. */
  maxConnections: number;
  /** A TCP connection must deliver its whole request within this (BUTT: 2 s). */
  requestTimeoutMs: number;
  /** Per client address; all clients together get ALL_CLIENTS_FACTOR times as much. */
  statusBurst: number;
  statusPerSecond: number;
  commandBurst: number;
  commandPerSecond: number;
  /** Acknowledged commands waiting to run (BUTT's FIFO holds 32). */
  maxPendingCommands: number;
  commandTimeoutMs: number;
  statusMaxAgeMs: number;
  statusTimeoutMs: number;
  /** How often refused input is summarised in the log. */
  summaryIntervalMs: number;
}

/** The budget of all clients together, in multiples of one client's. */
const ALL_CLIENTS_FACTOR = 4;

export const DEFAULT_LIMITS: ControlLimits = {
  maxConnections: 64,
  requestTimeoutMs: 2000,
  statusBurst: 10,
  statusPerSecond: 5,
  commandBurst: 20,
  commandPerSecond: 10,
  maxPendingCommands: 32,
  commandTimeoutMs: 5000,
  statusMaxAgeMs: 200,
  statusTimeoutMs: 1500,
  summaryIntervalMs: 10_000,
};

export interface ControlLog {
  info(message: string): void;
  warn(message: string, error?: AppError): void;
}

export interface ControlServerOptions {
  target: ControlTarget;
  /** `-U`: UDP instead of TCP. */
  protocol?: 'tcp' | 'udp';
  /** `-A`: listen on all interfaces instead of 127.0.0.1. */
  exposed?: boolean;
  /** With `exposed`: who may connect besides loopback (addresses or CIDR subnets). */
  allow?: string[];
  /** Where to listen instead of 127.0.0.1 / 0.0.0.0 (one interface; tests stay on loopback). */
  bindAddress?: string;
  /** `-p`: exactly this port. Without it, `portSearch` is tried in order. */
  port?: number;
  portSearch?: { first: number; count: number };
  log?: ControlLog;
  limits?: Partial<ControlLimits>;
}

export interface ControlServerStats {
  /** TCP connections accepted plus datagrams read. */
  received: number;
  commands: number;
  statusReplies: number;
  malformed: number;
  rateLimited: number;
  refusedAddress: number;
  timedOut: number;
  evicted: number;
  /** Status requests the target did not answer (in time). */
  statusFailures: number;
  openConnections: number;
}

type ProblemKind = 'malformed' | 'rateLimited' | 'refusedAddress' | 'timedOut' | 'evicted' | 'statusFailures';

const silentLog: ControlLog = { info: () => undefined, warn: () => undefined };

export type StartResult = { ok: true; server: ControlServer } | { ok: false; error: AppError };

export async function startControlServer(options: ControlServerOptions): Promise<StartResult> {
  const filter = createAddressFilter(options.exposed === true, options.allow);
  if ('code' in filter) return { ok: false, error: filter };
  const protocol = options.protocol ?? 'tcp';
  const host = options.bindAddress ?? (options.exposed ? '0.0.0.0' : '127.0.0.1');
  const ports =
    options.port !== undefined
      ? [options.port]
      : Array.from({ length: options.portSearch?.count ?? PORT_SEARCH_COUNT }, (_, i) => (options.portSearch?.first ?? DEFAULT_PORT) + i);
  const server = new ControlServer(options, filter, protocol, host);
  const failures: string[] = [];
  for (const port of ports) {
    const outcome = await server.tryListen(port);
    if (outcome === undefined) {
      server.announce();
      return { ok: true, server };
    }
    failures.push(`${port}: ${outcome}`);
  }
  const range = ports.length === 1 ? `port ${ports[0]}` : `ports ${ports[0]}-${ports[ports.length - 1]}`;
  return {
    ok: false,
    error: appError('CONTROL_PORT_UNAVAILABLE', `Could not start the command server on ${host} ${range} (${protocol.toUpperCase()}).`, failures.join('; ')),
  };
}

export class ControlServer {
  port = 0;
  private tcp: Server | undefined;
  private udp: UdpSocket | undefined;
  private readonly connections = new Set<Socket>();
  private readonly limits: ControlLimits;
  private readonly log: ControlLog;
  private readonly runner: CommandRunner;
  private readonly status: StatusCache;
  /** Per address, and for everyone together (ALL_CLIENTS_FACTOR times one client's budget). */
  private readonly statusBuckets: AddressBuckets;
  private readonly commandBuckets: AddressBuckets;
  private readonly statusBucket: TokenBucket;
  private readonly commandBucket: TokenBucket;
  private readonly counts: ControlServerStats = {
    received: 0,
    commands: 0,
    statusReplies: 0,
    malformed: 0,
    rateLimited: 0,
    refusedAddress: 0,
    timedOut: 0,
    evicted: 0,
    statusFailures: 0,
    openConnections: 0,
  };
  private readonly refusals = new RefusalSummary<ProblemKind>({
    malformed: 'malformed',
    statusFailures: 'status requests the engine did not answer',
    rateLimited: 'over the rate limit',
    refusedAddress: 'from addresses not allowed',
    timedOut: 'incomplete after 2 s',
    evicted: 'dropped for too many connections',
  });
  private summaryTimer: NodeJS.Timeout | undefined;
  private frozen = false;
  private listenerClosed: Promise<void> = Promise.resolve();
  private readonly exposed: boolean;

  constructor(
    options: ControlServerOptions,
    private readonly filter: AddressFilter,
    readonly protocol: 'tcp' | 'udp',
    readonly host: string,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.log = options.log ?? silentLog;
    this.exposed = options.exposed === true;
    this.runner = new CommandRunner(options.target, {
      maxPending: this.limits.maxPendingCommands,
      callTimeoutMs: this.limits.commandTimeoutMs,
      onFailure: (request, reason) =>
        this.log.warn(`Control command "${describeRequest(request)}" failed: ${reason}`, appError('CONTROL_COMMAND_FAILED', `Control command "${describeRequest(request)}" failed`, reason)),
      onDone: () => this.status.invalidate(),
    });
    this.status = new StatusCache(options.target, {
      maxAgeMs: this.limits.statusMaxAgeMs,
      timeoutMs: this.limits.statusTimeoutMs,
      settled: () => this.runner.idle(),
      onFailure: (reason) => this.problem('statusFailures', 'target', `status unavailable: ${reason}`),
    });
    this.statusBuckets = new AddressBuckets(this.limits.statusBurst, this.limits.statusPerSecond);
    this.commandBuckets = new AddressBuckets(this.limits.commandBurst, this.limits.commandPerSecond);
    this.statusBucket = new TokenBucket(this.limits.statusBurst * ALL_CLIENTS_FACTOR, this.limits.statusPerSecond * ALL_CLIENTS_FACTOR);
    this.commandBucket = new TokenBucket(this.limits.commandBurst * ALL_CLIENTS_FACTOR, this.limits.commandPerSecond * ALL_CLIENTS_FACTOR);
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  stats(): ControlServerStats {
    return { ...this.counts, openConnections: this.connections.size };
  }

  /** Binds one port; returns why not, or undefined once listening. */
  async tryListen(port: number): Promise<string | undefined> {
    if (this.protocol === 'tcp') {
      // Half-open allowed: `printf ... | nc` sends its request and FIN at once and still wants the reply.
      const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.onConnection(socket));
      const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        server.once('error', resolve);
        server.listen({ port, host: this.host, exclusive: true, backlog: 128 }, () => resolve(undefined));
      });
      if (error) return error.code ?? error.message;
      server.on('error', (e) => this.log.warn(`Command server error: ${e.message}`));
      this.tcp = server;
    } else {
      const socket = createSocket({ type: 'udp4', reuseAddr: false });
      const error = await new Promise<Error | undefined>((resolve) => {
        socket.once('error', resolve);
        socket.bind({ port, address: this.host, exclusive: true }, () => resolve(undefined));
      });
      if (error) {
        socket.close();
        return (error as NodeJS.ErrnoException).code ?? error.message;
      }
      socket.on('error', (e) => this.log.warn(`Command server error: ${e.message}`));
      socket.on('message', (message, remote) => this.onDatagram(socket, message, remote.address, remote.port));
      this.udp = socket;
    }
    this.port = port;
    this.summaryTimer = setInterval(() => this.summarise(), this.limits.summaryIntervalMs);
    this.summaryTimer.unref();
    return undefined;
  }

  /** BUTT prints "Command server listening on port N"; we also say where and who may talk. */
  announce(): void {
    this.log.info(`Command server listening on port ${this.port} (${this.protocol.toUpperCase()}, ${this.host}).`);
    if (!this.exposed) return;
    const who =
      this.filter.entries.length === 0
        ? 'ANYONE who can reach this machine'
        : `${this.filter.entries.join(', ')} (and this machine)`;
    const message =
      `WARNING: the command port ${this.port} is open to the network (-A). It has no password: ${who} ` +
      `can disconnect your stream, stop recording, change titles or quit Airtight.` +
      (this.filter.entries.length === 0 ? ' Limit it with an allow-list of addresses.' : '');
    this.log.warn(message, appError('CONTROL_EXPOSED', message));
  }

  /** Stop taking input (shutdown phase 1): no new connections or datagrams, queued commands dropped. */
  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    const dropped = this.runner.freeze();
    if (dropped > 0) this.log.info(`Command server frozen; ${dropped} queued command(s) not run.`);
    if (this.tcp) {
      const tcp = this.tcp;
      this.listenerClosed = new Promise((resolve) => tcp.close(() => resolve()));
    }
    if (this.udp) {
      const udp = this.udp;
      this.listenerClosed = new Promise((resolve) => {
        try {
          udp.close(() => resolve());
        } catch {
          resolve();
        }
      });
    }
  }

  /** Freeze, drop every connection, and wait (bounded by `signal`, else 1 s) until the sockets are let go. */
  async close(signal?: AbortSignal): Promise<void> {
    this.freeze();
    clearInterval(this.summaryTimer);
    this.summarise();
    for (const socket of this.connections) socket.destroy();
    const sockets = [...this.connections].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      if (signal) {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      } else timer = setTimeout(resolve, 1000);
    });
    // A target call still running is not waited for: `-q` runs the host's quit, which is what
    // calls close(); waiting for it here would wait for ourselves.
    await Promise.race([Promise.all([this.listenerClosed, ...sockets]), bound]);
    clearTimeout(timer);
  }

  private onConnection(socket: Socket): void {
    this.counts.received++;
    socket.on('error', () => undefined);
    const address = socket.remoteAddress ?? '';
    if (this.frozen) return void socket.destroy();
    if (!this.filter.allows(address)) {
      this.problem('refusedAddress', address, 'address not allowed');
      return void socket.destroy();
    }
    if (this.connections.size >= this.limits.maxConnections) {
      const oldest = this.connections.values().next().value;
      if (oldest) {
        this.connections.delete(oldest);
        oldest.destroy();
        this.problem('evicted', oldest.remoteAddress ?? '', 'too many open connections; oldest dropped');
      }
    }
    this.connections.add(socket);
    let received: Buffer = Buffer.alloc(0);
    let answered = false;
    const timer = setTimeout(() => {
      if (!answered) this.problem('timedOut', address, `no complete request within ${this.limits.requestTimeoutMs} ms`);
      socket.destroy();
    }, this.limits.requestTimeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      this.connections.delete(socket);
    });
    socket.once('end', () => {
      if (answered) return; // the reply ends our side
      this.problem('malformed', address, 'connection closed before a whole request');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      if (answered) return; // bytes after the request are ignored, as BUTT does
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length > MAX_FRAME_SIZE) received = received.subarray(0, MAX_FRAME_SIZE);
      const frame = decodeFrame(received);
      if (frame.status === 'incomplete') return;
      answered = true;
      if (frame.status === 'invalid') {
        this.problem('malformed', address, frame.error.message);
        return void socket.destroy();
      }
      this.handle(frame.request, 'tcp', address, (reply) => {
        if (socket.destroyed) return;
        timer.refresh(); // the same bound again for the reply to leave and the peer to close
        if (reply) socket.end(reply);
        else socket.end();
      });
    });
  }

  private onDatagram(socket: UdpSocket, message: Buffer, address: string, port: number): void {
    this.counts.received++;
    if (this.frozen) return;
    if (!this.filter.allows(address)) return this.problem('refusedAddress', address, 'address not allowed');
    const frame = decodeFrame(message);
    if (frame.status !== 'ok') {
      return this.problem('malformed', address, frame.status === 'invalid' ? frame.error.message : 'datagram shorter than its header says');
    }
    this.handle(frame.request, 'udp', address, (reply) => {
      if (!reply || this.frozen) return;
      try {
        socket.send(reply, port, address, () => undefined);
      } catch {
        // closed in the meantime (freeze): the reply is dropped, like any UDP reply may be
      }
    });
  }

  /** Ack (or status) first, then the command runs: the BUTT order. No reply = refused. */
  private handle(request: ControlRequest, transport: 'tcp' | 'udp', address: string, reply: (data?: Buffer) => void): void {
    if (this.frozen) return reply();
    if (request.kind === 'status') {
      if (!this.statusBuckets.take(address) || !this.statusBucket.take()) {
        this.problem('rateLimited', address, 'status requests over the rate limit');
        return reply(transport === 'udp' ? rateLimitedReply() : undefined);
      }
      void this.status.get().then((status) => {
        if (!status || this.frozen) return reply();
        this.counts.statusReplies++;
        reply(encodeStatus(status));
      });
      return;
    }
    if (!this.runner.canAccept() || !this.commandBuckets.take(address) || !this.commandBucket.take()) {
      this.problem('rateLimited', address, 'commands over the rate limit');
      return reply();
    }
    this.counts.commands++;
    reply(ACK);
    this.log.info(`Control command from ${address}: ${describeRequest(request)}.`);
    this.runner.enqueue(request);
  }

  private problem(kind: ProblemKind, address: string, what: string): void {
    this.counts[kind]++;
    this.refusals.record(kind, `${address}: ${what}`);
  }

  private summarise(): void {
    const summary = this.refusals.take();
    if (!summary) return;
    const message = `Command server refused requests: ${summary}.`;
    this.log.warn(message, appError('CONTROL_REQUESTS_REFUSED', message));
  }
}

export function describeRequest(request: ControlRequest | RunnableRequest): string {
  switch (request.kind) {
    case 'connect':
      return request.serverName === undefined ? 'connect' : `connect to "${request.serverName}"`;
    case 'set-song':
      return `song "${request.title}"`;
    case 'set-threshold':
      return `${request.threshold} threshold ${request.seconds} s`;
    default:
      return request.kind.replace('-', ' ');
  }
}
