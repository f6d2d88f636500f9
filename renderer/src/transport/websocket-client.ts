/**
 * The operator API over the event API's WebSocket (docs/EVENT-API.md), for the web UI of a
 * headless Airtight: `hello` brings a snapshot, events carry `seq` (a gap means this page
 * missed some: it asks `status.get` again), results come back by id. A dropped link is
 * retried with backoff and reported, never hidden.
 */
import type { CommandName, CommandResults, EventName, OperatorSnapshot } from '../../../main/protocol/operator-api';
import { Listeners, type LinkState, type OperatorTransport } from './operator-transport';
import { reconnectDelayMs } from './reconnect-backoff';

/** Longer than the server's own 5 s per command, so its API_COMMAND_TIMEOUT arrives first. */
const COMMAND_TIMEOUT_MS = 8_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

type ServerMessage =
  | { type: 'hello'; snapshot: OperatorSnapshot }
  | { type: 'event'; seq?: number; name: EventName; data: unknown }
  | { type: 'result'; id: string; ok: boolean; result?: unknown; error?: unknown }
  | { type: 'error'; error: unknown };

export class WebSocketOperatorClient implements OperatorTransport {
  readonly kind = 'browser' as const;
  private socket: WebSocket | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private lastSeq: number | undefined;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private link: LinkState = { state: 'connecting' };
  private latest: OperatorSnapshot | undefined;
  private readonly events = new Listeners<[EventName, unknown]>();
  private readonly links = new Listeners<[LinkState]>();
  private readonly snapshots = new Listeners<[OperatorSnapshot]>();

  constructor(private readonly url: string) {
    this.open();
  }

  command<N extends CommandName>(name: N, ...params: unknown[]): Promise<CommandResults[N]> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || this.link.state !== 'open') {
      return Promise.reject({ code: 'UI_DISCONNECTED', message: 'Not connected to Airtight: the command was not sent.' });
    }
    const id = `c${this.nextId++}`;
    return new Promise<CommandResults[N]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject({ code: 'UI_COMMAND_TIMEOUT', message: `Airtight did not answer "${name}" in time.` });
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const frame: Record<string, unknown> = { v: 1, type: 'command', id, name };
      if (params[0] !== undefined) frame.params = params[0];
      socket.send(JSON.stringify(frame));
    });
  }

  async snapshot(): Promise<OperatorSnapshot> {
    if (this.link.state === 'open') return this.command('status.get');
    if (this.latest) return this.latest;
    throw { code: 'UI_DISCONNECTED', message: 'Not connected to Airtight.' };
  }

  onEvent(listener: (name: EventName, data: unknown) => void): () => void {
    return this.events.add(listener);
  }

  onLink(listener: (link: LinkState) => void): () => void {
    listener(this.link);
    return this.links.add(listener);
  }

  onSnapshot(listener: (snapshot: OperatorSnapshot) => void): () => void {
    if (this.latest) listener(this.latest);
    return this.snapshots.add(listener);
  }

  async quit(): Promise<void> {
    await this.command('quit');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.close(1000);
  }

  private setLink(link: LinkState): void {
    this.link = link;
    this.links.emit(link);
  }

  private open(): void {
    this.setLink({ state: 'connecting' });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this.scheduleRetry(error instanceof Error ? error.message : String(error));
      return;
    }
    this.socket = socket;
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failPending();
      if (this.closed) return;
      const why = event.code === 1001 ? 'Airtight is shutting down or restarting' : event.reason || `connection closed (${event.code})`;
      this.scheduleRetry(why);
    };
  }

  private scheduleRetry(reason: string): void {
    const retryInMs = reconnectDelayMs(this.attempt++);
    this.setLink({ state: 'disconnected', reason, retryInMs });
    this.retryTimer = setTimeout(() => this.open(), retryInMs);
  }

  private failPending(): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject({ code: 'UI_DISCONNECTED', message: 'The connection to Airtight dropped before it answered.' });
      this.pending.delete(id);
    }
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let message: ServerMessage;
    try {
      message = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case 'hello':
        this.attempt = 0;
        this.lastSeq = undefined;
        this.latest = message.snapshot;
        this.setLink({ state: 'open' });
        this.snapshots.emit(message.snapshot);
        return;
      case 'event':
        if (typeof message.seq === 'number') {
          const missed = this.lastSeq !== undefined && message.seq !== this.lastSeq + 1;
          this.lastSeq = message.seq;
          if (missed) this.resync();
        }
        this.events.emit(message.name, message.data);
        return;
      case 'result': {
        const pending = this.pending.get(String(message.id));
        if (!pending) return;
        this.pending.delete(String(message.id));
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(message.error);
        return;
      }
      case 'error':
        // A frame the server could not tie to a command; nothing of ours is waiting on it.
        return;
    }
  }

  private resync(): void {
    this.command('status.get').then(
      (snapshot) => {
        this.latest = snapshot;
        this.snapshots.emit(snapshot);
      },
      () => undefined,
    );
  }
}
