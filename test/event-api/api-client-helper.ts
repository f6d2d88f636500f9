/** A test client for the event API: connects, collects messages, sends commands and awaits results. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

export interface ApiMessage {
  v: number;
  type: 'hello' | 'event' | 'result' | 'error';
  id?: string | number;
  ok?: boolean;
  name?: string;
  seq?: number;
  data?: unknown;
  result?: unknown;
  error?: { code: string; message: string };
  snapshot?: unknown;
  [key: string]: unknown;
}

export class TestClient {
  readonly messages: ApiMessage[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private nextId = 1;
  private readonly waiters: { match: (m: ApiMessage) => boolean; resolve: (m: ApiMessage) => void }[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as ApiMessage;
      this.messages.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = String(reason);
        resolve();
      }),
    );
  }

  /** Opens and waits for `hello`; rejects with the HTTP status when refused. */
  /** Connects to a running Airtight's API with the token from its data dir. */
  static forApp(dataDir: string, apiPort: number): Promise<TestClient> {
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    return TestClient.open(`ws://127.0.0.1:${apiPort}/v1?token=${token}`);
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ...options, perMessageDeflate: false });
      const client = new TestClient(ws);
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
        res.resume();
        ws.terminate();
      });
      ws.once('error', (error) => reject(error));
      client.next((m) => m.type === 'hello').then(() => resolve(client), reject);
    });
  }

  next(match: (m: ApiMessage) => boolean, timeoutMs = 10_000): Promise<ApiMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message in time')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  get hello(): ApiMessage {
    return this.messages.find((m) => m.type === 'hello')!;
  }

  events(name?: string): ApiMessage[] {
    return this.messages.filter((m) => m.type === 'event' && (name === undefined || m.name === name));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Runs a command that must succeed; fails with the server's words when it did not. */
  async ok<T = Record<string, unknown>>(name: string, params?: unknown): Promise<T> {
    const reply = await this.command(name, params);
    if (!reply.ok) throw new Error(`${name}: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  async command(name: string, params?: unknown): Promise<ApiMessage> {
    const id = `c${this.nextId++}`;
    const reply = this.next((m) => m.type === 'result' && m.id === id);
    this.ws.send(JSON.stringify({ v: 1, type: 'command', id, name, ...(params !== undefined ? { params } : {}) }));
    return reply;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return this.closed;
  }

  terminate(): void {
    this.ws.terminate();
  }
}
