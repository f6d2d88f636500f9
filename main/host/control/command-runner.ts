/**
 * Runs acknowledged commands against the target one at a time, in arrival order (a script's
 * `-u title` then `-s` must happen in that order), like BUTT's 32-entry command FIFO.
 * A target call that never settles is given up on after `callTimeoutMs` so the queue moves on.
 */
import type { ControlTarget } from './target';
import type { ControlRequest } from './wire';

export type RunnableRequest = Exclude<ControlRequest, { kind: 'status' }>;

export interface CommandRunnerOptions {
  maxPending: number;
  callTimeoutMs: number;
  onFailure(request: RunnableRequest, reason: string): void;
  /** After each command, whatever its outcome (the status cache forgets its value). */
  onDone?(request: RunnableRequest): void;
}

export class CommandRunner {
  private readonly pending: RunnableRequest[] = [];
  private running: Promise<void> | undefined;
  private frozen = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly target: ControlTarget,
    private readonly options: CommandRunnerOptions,
  ) {}

  /** False when the queue is full or frozen: the caller must not acknowledge the command. */
  canAccept(): boolean {
    return !this.frozen && this.pending.length < this.options.maxPending;
  }

  /** Queues the command; it runs on a later tick, after the caller has sent its ack. */
  enqueue(request: RunnableRequest): void {
    if (!this.canAccept()) return;
    this.pending.push(request);
    if (!this.running) this.running = this.drain();
  }

  /** Drops queued commands; a call already running finishes (bounded by its timeout). */
  freeze(): number {
    this.frozen = true;
    const dropped = this.pending.length;
    this.pending.length = 0;
    return dropped;
  }

  /** Resolves once nothing is queued or running (so a status reflects earlier commands). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  private async drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      await this.runOne(next);
    }
    this.running = undefined;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async runOne(request: RunnableRequest): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.callTimeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(() => this.call(request)).then(() => 'done' as const), timeout]);
      if (outcome === 'timeout') this.options.onFailure(request, `no answer within ${this.options.callTimeoutMs} ms`);
    } catch (error) {
      this.options.onFailure(request, error instanceof Error ? error.message : describe(error));
    } finally {
      clearTimeout(timer);
      this.options.onDone?.(request);
    }
  }

  private call(request: RunnableRequest): void | Promise<void> {
    const t = this.target;
    switch (request.kind) {
      case 'connect':
        return request.serverName === undefined ? t.connect() : t.connect(request.serverName);
      case 'disconnect':
        return t.disconnect();
      case 'start-recording':
        return t.startRecording();
      case 'stop-recording':
        return t.stopRecording();
      case 'split-recording':
        return t.splitRecording();
      case 'quit':
        return t.quit();
      case 'set-song':
        return t.setSong(request.title);
      case 'set-threshold':
        return t.setThreshold(request.threshold, request.seconds);
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string') return value.message;
  return String(value);
}
