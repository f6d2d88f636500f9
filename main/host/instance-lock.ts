/**
 * One Airtight per data dir. The first instance listens on a local socket; a second launch
 * connects, hands over its arguments (e.g. `--quit`), prints the answer and exits. A socket
 * file left by a crashed instance is detected (nobody answers) and replaced.
 */
import { createHash } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const RequestSchema = z.object({ argv: z.array(z.string()), cwd: z.string() });
export type InstanceRequest = z.infer<typeof RequestSchema>;
const ReplySchema = z.object({ ok: z.boolean(), message: z.string() });
export type InstanceReply = z.infer<typeof ReplySchema>;

const MAX_REQUEST_BYTES = 64 * 1024;
const CONNECT_TIMEOUT_MS = 2000;

export function instanceSocketPath(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  if (platform === 'win32') return `\\\\.\\pipe\\airtight-${hash}`;
  const inDir = join(dataDir, 'instance.sock');
  // sun_path holds ~104-108 bytes; deep data dirs use a hashed name in the temp dir instead.
  return Buffer.byteLength(inDir) < 100 ? inDir : join(tmpdir(), `airtight-${hash}.sock`);
}

export class InstanceLock {
  private handler: ((request: InstanceRequest) => Promise<InstanceReply>) | undefined;
  private frozenReason: string | undefined;

  constructor(
    private readonly server: Server,
    readonly path: string,
  ) {
    server.on('connection', (socket) => this.serve(socket));
  }

  handle(handler: (request: InstanceRequest) => Promise<InstanceReply>): void {
    this.handler = handler;
  }

  /** Keep the lock (so no second instance starts) but refuse every request. */
  freeze(reason: string): void {
    this.frozenReason = reason;
  }

  release(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  private serve(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => undefined);
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) return socket.destroy();
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      void this.answer(buffer.slice(0, newline)).then((reply) => socket.end(JSON.stringify(reply) + '\n'));
    });
  }

  private async answer(line: string): Promise<InstanceReply> {
    if (this.frozenReason) return { ok: false, message: this.frozenReason };
    let request: InstanceRequest;
    try {
      request = RequestSchema.parse(JSON.parse(line));
    } catch {
      return { ok: false, message: 'malformed request' };
    }
    if (!this.handler) return { ok: false, message: 'Airtight is still starting; try again in a moment' };
    try {
      return await this.handler(request);
    } catch (error) {
      return { ok: false, message: String(error) };
    }
  }
}

export type ClaimResult = { kind: 'primary'; lock: InstanceLock } | { kind: 'secondary'; reply: InstanceReply };

export async function claimInstance(dataDir: string, request: InstanceRequest): Promise<ClaimResult> {
  const path = instanceSocketPath(dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    const reply = await tryForward(path, request);
    if (reply) return { kind: 'secondary', reply };
    if (process.platform !== 'win32') rmSync(path, { force: true }); // stale: nobody answered
    const server = await tryListen(path);
    if (server) return { kind: 'primary', lock: new InstanceLock(server, path) };
    // Another launch won the race between our connect and listen: ask it instead.
  }
  throw new Error(`Could not claim or reach the instance socket ${path}`);
}

/**
 * Asks the instance running on this data dir without ever becoming one: undefined when none
 * answers (a control launch then falls back to the command port).
 */
export function askRunningInstance(dataDir: string, request: InstanceRequest): Promise<InstanceReply | undefined> {
  return tryForward(instanceSocketPath(dataDir), request);
}

function tryListen(path: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen({ path, exclusive: true }, () => resolve(server));
  });
}

/** Undefined when no instance answers (no socket, stale socket, refused). */
function tryForward(path: string, request: InstanceRequest): Promise<InstanceReply | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    let buffer = '';
    let answered = false;
    const finish = (reply: InstanceReply | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(answered ? undefined : { ok: false, message: 'the running instance did not answer' }), CONNECT_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      answered = false;
      socket.write(JSON.stringify(request) + '\n');
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      answered = true;
      const parsed = ReplySchema.safeParse(safeJson(buffer.slice(0, newline)));
      finish(parsed.success ? parsed.data : { ok: false, message: 'malformed reply from the running instance' });
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => {
      if (!answered) finish(buffer ? { ok: false, message: 'the running instance closed the connection' } : undefined);
    });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
