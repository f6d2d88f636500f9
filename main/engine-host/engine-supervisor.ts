/**
 * Host side of the engine: starts it, correlates requests with replies, forwards events,
 * notices crashes, and can wait for or force its exit.
 */
import {
  ENGINE_PROTOCOL_VERSION,
  EngineMessageSchema,
  engineEvents,
  engineRequests,
  isEngineEvent,
  type EngineEventData,
  type EngineEventName,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
  type EngineShutdownReport,
} from '../protocol/engine-protocol';
import { appError, AppErrorException, type AppError } from '../shared/errors';
import type { EngineExit, EngineLauncher, EngineProcess } from './engine-process';

export type EngineEventHandler = <E extends EngineEventName>(event: E, data: EngineEventData<E>) => void;

export interface SupervisorOptions {
  launcher: EngineLauncher;
  entry: string;
  env: NodeJS.ProcessEnv;
  hostPid?: number;
  readyTimeoutMs?: number;
}

interface Pending {
  method: EngineMethod;
  resolve(value: unknown): void;
  reject(error: AppErrorException): void;
  timer: NodeJS.Timeout;
}

export class EngineSupervisor {
  private proc: EngineProcess | undefined;
  private exit: EngineExit | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly eventHandlers: EngineEventHandler[] = [];
  private readonly exitHandlers: ((exit: EngineExit, expected: boolean) => void)[] = [];
  private readonly outputHandlers: ((line: string, stream: 'stdout' | 'stderr') => void)[] = [];
  private exitExpected = false;
  /** Our own record: utilityProcess reports code 0 even for a process we killed. */
  private killedWith: NodeJS.Signals | undefined;
  /** The report an engine sent when it shut down on its own (see `engine.stopped`). */
  private stopped: EngineShutdownReport | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get exited(): EngineExit | undefined {
    return this.exit;
  }

  get isRunning(): boolean {
    return this.proc !== undefined && this.exit === undefined;
  }

  get killSignal(): NodeJS.Signals | undefined {
    return this.killedWith;
  }

  get stoppedOnItsOwn(): EngineShutdownReport | undefined {
    return this.stopped;
  }

  onEvent(handler: EngineEventHandler): void {
    this.eventHandlers.push(handler);
  }

  /** `expected` is true when the exit followed a shutdown request or a kill of ours. */
  onExit(handler: (exit: EngineExit, expected: boolean) => void): void {
    this.exitHandlers.push(handler);
  }

  onOutput(handler: (line: string, stream: 'stdout' | 'stderr') => void): void {
    this.outputHandlers.push(handler);
  }

  /** Launches the engine and waits until it has answered `engine.hello` with our protocol. */
  async start(): Promise<void> {
    const hostPid = this.options.hostPid ?? process.pid;
    this.exit = undefined;
    this.exitExpected = false;
    this.killedWith = undefined;
    this.stopped = undefined;
    const proc = await this.options.launcher({
      entry: this.options.entry,
      env: { ...this.options.env, AIRTIGHT_HOST_PID: String(hostPid) },
    });
    this.proc = proc;
    proc.onMessage((message) => this.receive(message));
    proc.onOutput((line, stream) => this.outputHandlers.forEach((h) => h(line, stream)));
    proc.onExit((exit) => {
      if (this.proc !== proc) return;
      this.exit = exit;
      const error = appError('ENGINE_EXITED', `The engine exited (code ${exit.code}, signal ${exit.signal})`);
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(new AppErrorException(error));
        this.pending.delete(id);
      }
      for (const handler of this.exitHandlers) handler(exit, this.exitExpected);
    });
    const hello = await this.request('engine.hello', { hostPid, protocol: ENGINE_PROTOCOL_VERSION }, this.options.readyTimeoutMs ?? 10_000);
    if (hello.protocol !== ENGINE_PROTOCOL_VERSION) {
      this.kill('SIGKILL');
      throw new AppErrorException(
        appError('ENGINE_PROTOCOL_MISMATCH', `Engine speaks protocol ${hello.protocol}, host expects ${ENGINE_PROTOCOL_VERSION}`),
      );
    }
  }

  request<M extends EngineMethod>(method: M, params: EngineParams<M>, timeoutMs = 5000): Promise<EngineResult<M>> {
    const proc = this.proc;
    if (!proc || this.exit) {
      return Promise.reject(new AppErrorException(appError('ENGINE_NOT_RUNNING', 'The engine is not running')));
    }
    const id = this.nextId++;
    return new Promise<EngineResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AppErrorException(appError('ENGINE_TIMEOUT', `The engine did not answer ${method} within ${timeoutMs} ms`)));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      if (method === 'engine.shutdown') this.exitExpected = true;
      proc.postMessage({ v: ENGINE_PROTOCOL_VERSION, type: 'request', id, method, params });
    });
  }

  /** Sends a signal and remembers that we did, whatever exit code the platform reports. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean {
    if (!this.proc || this.exit) return false;
    this.exitExpected = true;
    const sent = this.proc.kill(signal);
    if (sent) this.killedWith = signal;
    return sent;
  }

  /** Resolves true once the engine has exited and been reaped, false after `ms`. */
  waitForExit(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.proc || this.exit) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abort);
        resolve(value);
      };
      const abort = (): void => done(this.exit !== undefined);
      const timer = setTimeout(() => done(false), ms);
      signal?.addEventListener('abort', abort, { once: true });
      this.onExit(() => done(true));
    });
  }

  private receive(raw: unknown): void {
    const parsed = EngineMessageSchema.safeParse(raw);
    if (!parsed.success) return this.emitLocal('warn', appError('ENGINE_BAD_MESSAGE', 'Ignored a malformed message from the engine', parsed.error.message));
    const message = parsed.data;
    if (message.type === 'event') {
      if (!isEngineEvent(message.event)) return;
      const data = engineEvents[message.event].safeParse(message.data);
      if (!data.success) return this.emitLocal('warn', appError('ENGINE_BAD_EVENT', `Malformed ${message.event} event from the engine`, data.error.message));
      if (message.event === 'engine.stopped') {
        this.stopped = (data.data as EngineEventData<'engine.stopped'>).report;
      }
      for (const handler of this.eventHandlers) handler(message.event, data.data as never);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (!message.ok) return pending.reject(new AppErrorException(message.error));
    const result = engineRequests[pending.method].result.safeParse(message.result);
    if (!result.success) {
      return pending.reject(new AppErrorException(appError('ENGINE_BAD_REPLY', `Malformed reply to ${pending.method}`, result.error.message)));
    }
    pending.resolve(result.data);
  }

  private emitLocal(level: 'warn', error: AppError): void {
    for (const handler of this.eventHandlers) handler('engine.log', { level, message: error.message, error });
  }
}
