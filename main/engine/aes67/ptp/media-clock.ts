/**
 * The AES67 media clock: implements the sender's MediaClock (../media-clock.ts) with
 *
 *   nowNs()          PTP time in ns (the grandmaster's timescale: TAI for a real PTP
 *                    grandmaster, CLOCK_REALTIME for ptp4l with software timestamps, which
 *                    announces the ARB timescale; in free-run: CLOCK_REALTIME + 37 s, i.e. TAI)
 *   grandmasterId()  the grandmaster's EUI-64 as the SDP writes it (00-1D-C1-FF-FE-12-34-56), or null
 *   state()          'free-run' | 'locking' | 'locked'
 *   mapping          the sender's SharedArrayBuffer mapping, kept current by the clock thread
 *   onChange()       and the events 'state' (state, reason), 'grandmaster' (id, previous),
 *                    'warning' (AppError)
 *
 * Modes: 'ptp' runs our own follower (a worker thread owning UDP 319/320), 'ptp4l' reads a
 * running ptp4l through its management socket, 'free-run' uses the local clock. When 'ptp'
 * or 'ptp4l' cannot start (privileged ports, no interface), the clock falls back to free-run
 * and keeps the reason in warning() (also emitted as a 'warning' event).
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { appError, type AppError } from '../../../shared/errors';
import type { ResourceHandle, ResourceRegistry } from '../../resource-registry';
import { clockIdentityForSdp } from './ptp-messages';
import type { ClockWorkerData, ClockWorkerEvent } from './ptp-worker-protocol';
import { SharedClockReader, SharedClockWriter, createSharedClock, type ClockState } from './shared-clock';
import { TAI_UTC_OFFSET_S, createClockMapping, type MediaClock } from '../media-clock';
import { NativeCallGuard, terminateOutsideNative } from '../../../../native/native-call-guard';

export type { ClockState } from './shared-clock';

export type { MediaClock } from '../media-clock';

export interface MediaClockEvents {
  state: [state: ClockState, reason: string];
  grandmaster: [id: string | null, previous: string | null];
  warning: [error: AppError];
}

export type ClockMode = 'ptp' | 'ptp4l' | 'free-run';

export interface MediaClockOptions {
  mode: ClockMode;
  /** Interface for 'ptp' (default: the first non-loopback IPv4 interface). */
  iface?: string;
  /** PTP domain (AES67 default 0). */
  domainNumber?: number;
  /** ptp4l's management socket for 'ptp4l' (default /var/run/ptp4l). */
  ptp4lSocket?: string;
  /** Ports for 'ptp' (tests only; PTP is always 319/320). */
  eventPort?: number;
  generalPort?: number;
  /** How long to wait for the worker to report that it started (default 3 s). */
  startTimeoutMs?: number;
}

export class AirtightMediaClock extends EventEmitter implements MediaClock {
  private readonly reader: SharedClockReader;
  private worker: Worker | null = null;
  private socketsClosed: Promise<void> = Promise.resolve();
  private workerExited: Promise<void> = Promise.resolve();
  /** The thread calls libc through koffi: terminated only outside those calls (issue #3). */
  private readonly nativeCalls = new NativeCallGuard();
  private lastWarning: AppError | null = null;
  private description = 'free-run from the local clock';
  private currentMode: ClockMode = 'free-run';
  private fellBack = false;

  /** The sender's mapping buffer (../media-clock.ts layout), written together with ours. */
  readonly mapping: SharedArrayBuffer;

  private constructor(
    private readonly sab: SharedArrayBuffer,
    private readonly domainNumber: number,
  ) {
    super();
    this.reader = new SharedClockReader(sab);
    this.mapping = createClockMapping();
    this.resetToFreeRun();
  }

  /** Starts the clock; never fails: a mode that cannot start becomes free-run with a warning. */
  static async start(options: MediaClockOptions): Promise<AirtightMediaClock> {
    const sab = createSharedClock({ mapping: freeRunMapping(), state: 'free-run', grandmaster: null });
    const clock = new AirtightMediaClock(sab, options.domainNumber ?? 0);
    if (options.mode === 'free-run') return clock;
    const data: ClockWorkerData =
      options.mode === 'ptp'
        ? { mode: 'ptp', sab, senderMapping: clock.mapping, nativeCalls: clock.nativeCalls.buffer, iface: options.iface, domainNumber: options.domainNumber ?? 0, eventPort: options.eventPort, generalPort: options.generalPort }
        : { mode: 'ptp4l', sab, senderMapping: clock.mapping, nativeCalls: clock.nativeCalls.buffer, socketPath: options.ptp4lSocket ?? '/var/run/ptp4l', domainNumber: options.domainNumber ?? 0, pollMs: 1000 };
    await clock.startWorker(data, options.startTimeoutMs ?? 3000);
    if (!clock.fellBack) clock.currentMode = options.mode;
    return clock;
  }

  nowNs(): bigint {
    return this.reader.nowNs();
  }

  grandmasterId(): string | null {
    const gm = this.reader.read().grandmaster;
    return gm === null ? null : clockIdentityForSdp(gm);
  }

  state(): ClockState {
    return this.reader.read().state;
  }

  domain(): number {
    return this.domainNumber;
  }

  /** Called on every grandmaster or state change (the announcer re-announces the SDP); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.on('state', listener);
    this.on('grandmaster', listener);
    return () => {
      this.off('state', listener);
      this.off('grandmaster', listener);
    };
  }

  /** The mode actually running ('free-run' after a fallback). */
  mode(): ClockMode {
    return this.currentMode;
  }

  /** Why the requested mode is not running (privileged ports, no ptp4l), or null. */
  warning(): AppError | null {
    return this.lastWarning;
  }

  /** One line for the UI and the log: what the clock runs on. */
  describe(): string {
    return this.description;
  }

  /** For other threads: `new SharedClockReader(buffer).nowNs()`. */
  sharedBuffer(): SharedArrayBuffer {
    return this.sab;
  }

  /** Diagnostics from the worker (counters, estimator figures), or null without a worker. */
  snapshot(timeoutMs = 1000): Promise<unknown> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        resolve(null);
      }, timeoutMs);
      const onMessage = (event: ClockWorkerEvent): void => {
        if (event.type !== 'snapshot') return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(event.snapshot);
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'snapshot' });
    });
  }

  /** Drops the memberships and closes 319/320 (or the management socket); resolves when closed. */
  closeSockets(): Promise<void> {
    this.worker?.postMessage({ type: 'stop' });
    return this.socketsClosed;
  }

  /** Waits for the worker thread to end; terminates it when `signal` aborts. */
  async join(signal?: AbortSignal): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const terminate = (): void => this.terminate(worker);
    signal?.addEventListener('abort', terminate, { once: true });
    await this.workerExited;
    signal?.removeEventListener('abort', terminate);
  }

  /**
   * Ends the thread once it is outside any koffi call (its next one throws instead of entering);
   * a thread stuck inside one is bounded by the host killing the engine, not by terminate().
   */
  private terminate(worker: Worker): void {
    void terminateOutsideNative(worker, this.nativeCalls, this.workerExited);
  }

  /** closeSockets() then join(), bounded: a worker that does not end in `ms` is terminated. */
  async stop(ms = 2000): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const timer = setTimeout(() => this.terminate(worker), ms);
    await Promise.race([this.closeSockets(), this.workerExited]);
    await this.workerExited;
    clearTimeout(timer);
  }

  /**
   * Registers the clock for the engine's shutdown: the sockets in stage 'aes67' (after the
   * sender and SAP, which the AES67 code registers before), the thread in stage 'workers'.
   */
  register(registry: ResourceRegistry): ResourceHandle[] {
    if (!this.worker) return [];
    const label = this.currentMode === 'ptp' ? 'PTP sockets 319/320 (memberships on 224.0.1.129)' : 'ptp4l management socket';
    return [
      registry.register({ kind: 'udp-socket', stage: 'aes67', label }, () => this.closeSockets()),
      registry.register({ kind: 'worker-thread', stage: 'workers', label: 'PTP clock thread' }, (signal) => this.join(signal)),
    ];
  }

  private startWorker(data: ClockWorkerData, timeoutMs: number): Promise<void> {
    const worker = newClockWorker(data);
    this.worker = worker;
    let resolveClosed!: () => void;
    this.socketsClosed = new Promise((r) => (resolveClosed = r));
    this.workerExited = new Promise((resolve) =>
      worker.once('exit', () => {
        this.worker = null;
        resolveClosed();
        resolve();
      }),
    );
    return new Promise((resolve) => {
      const fallBack = (error: AppError): void => {
        clearTimeout(timer);
        this.fellBack = true;
        this.lastWarning = error;
        this.description = `free-run from the local clock (${warningShort(error)})`;
        this.currentMode = 'free-run';
        this.terminate(worker);
        this.resetToFreeRun();
        this.emit('warning', error);
        resolve();
      };
      const timer = setTimeout(() => fallBack(appError('PTP_START_TIMEOUT', `The PTP clock thread did not start within ${timeoutMs} ms; running on the local clock (free-run).`)), timeoutMs);
      worker.on('error', (error) => fallBack(appError('PTP_WORKER_FAILED', 'The PTP clock thread failed; running on the local clock (free-run).', String(error.stack ?? error))));
      worker.on('message', (event: ClockWorkerEvent) => {
        switch (event.type) {
          case 'started':
            clearTimeout(timer);
            this.description = event.description;
            return resolve();
          case 'start-failed':
            return fallBack(event.error);
          case 'state':
            return void this.emit('state', event.state, event.reason);
          case 'grandmaster':
            return void this.emit(
              'grandmaster',
              event.id === null ? null : clockIdentityForSdp(event.id),
              event.previous === null ? null : clockIdentityForSdp(event.previous),
            );
          case 'warning':
            this.lastWarning = event.error;
            return void this.emit('warning', event.error);
          case 'sockets-closed':
            return resolveClosed();
          default:
            return;
        }
      });
    });
  }

  private resetToFreeRun(): void {
    new SharedClockWriter(this.sab, this.mapping).write({ mapping: freeRunMapping(), state: 'free-run', grandmaster: null });
  }
}

function warningShort(error: AppError): string {
  return `${error.code}: see the warning`;
}

/** Local clock as TAI: CLOCK_REALTIME (ms-accurate here, fine for free-run) + 37 s, advancing on the monotonic clock. */
function freeRunMapping(): { refLocalNs: bigint; refPtpNs: bigint; rate: number } {
  const local = process.hrtime.bigint();
  const realtimeNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return { refLocalNs: local, refPtpNs: realtimeNs + BigInt(TAI_UTC_OFFSET_S) * 1_000_000_000n, rate: 0 };
}

/** The built `ptp-clock-worker.js` beside the engine bundle, else the TypeScript source through tsx. */
function newClockWorker(data: ClockWorkerData): Worker {
  const built = join(__dirname, 'ptp-clock-worker.js');
  if (existsSync(built)) return new Worker(built, { workerData: data });
  const source = join(__dirname, 'ptp-worker.ts');
  // Worker execArgv cannot carry --import on Node 20: register tsx's require hook in an eval stub.
  const tsx = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { eval: true, workerData: data });
}
