/**
 * A sound-card capture that survives naudiodon's defects:
 * - the stream lives in a helper process, so a blocking open/quit or a native crash never
 *   stalls or kills the engine;
 * - a dead or stalled device sends no error, so "no data for `lostAfterMs`" is the signal:
 *   `device-lost`, then a fresh helper every `reopenIntervalMs` until data flows again
 *   (`device-restored`);
 * - close() has a deadline and says whether naudiodon really closed ('closed') or the helper
 *   had to be killed ('timed-out');
 * - PortAudio's buffer is fixed while a stream is open, so a new buffer size is a handover: a
 *   second helper opens beside the first, and its stream is spliced in at the same sample
 *   (splice.ts) before the first one is closed: no gap, no repeat.
 */
import type { AudioFormat } from '../../main/engine/audio/audio-format';
import { appError, type AppError } from '../../main/shared/errors';
import type { HelperReply, HelperRequest } from './helper-protocol';
import { defaultHelperCommand, HelperProcess, type HelperCommand } from './helper-process';
import { findSplice, joinBlocks, PROBE_FRAMES } from './splice';

export interface CaptureTiming {
  /** The helper must have opened the stream by then (it blocks while the server stalls). */
  openTimeoutMs: number;
  /** After opening, data must begin by then (a PulseAudio monitor takes 1-2 s). */
  firstDataMs: number;
  /** No data for this long while running = device lost. */
  lostAfterMs: number;
  reopenIntervalMs: number;
  /** How long a lost stream gets to close before its helper is killed. */
  internalCloseMs: number;
}

export const DEFAULT_CAPTURE_TIMING: CaptureTiming = {
  openTimeoutMs: 5000,
  firstDataMs: 5000,
  lostAfterMs: 2000,
  reopenIntervalMs: 2000,
  internalCloseMs: 1000,
};

export interface CaptureOptions {
  /** Remembered device name; missing = system default. Not found = default plus a warning. */
  deviceName?: string;
  sampleRate: number;
  channels: number;
  /** Frames per PortAudio buffer; default 20 ms. */
  blockFrames?: number;
  /** Frames per block delivered to the engine (changeable with setDeliveryFrames); default blockFrames. */
  deliveryFrames?: number;
  /** Extra environment for the helper (a test rig's PULSE_SERVER, ALSA_CONFIG_PATH...). */
  env?: NodeJS.ProcessEnv;
  helper?: HelperCommand;
  timing?: Partial<CaptureTiming>;
}

export type CloseOutcome = 'closed' | 'timed-out';

export interface CloseReport {
  /** 'closed': PortAudio's quit returned; 'timed-out': it did not in time and the helper was killed. */
  outcome: CloseOutcome;
  ms: number;
}

export type CaptureEvent =
  | { type: 'fallback'; error: AppError }
  | { type: 'device-lost'; error: AppError }
  | { type: 'device-restored'; device: string; lostForMs: number }
  | { type: 'reopen-failed'; error: AppError }
  /** A lost stream's helper ended: how naudiodon's close went. */
  | { type: 'stream-closed'; outcome: CloseOutcome; ms: number }
  /**
   * A handover to a new PortAudio buffer size is done. `aligned`: joined at the same sample;
   * `silent`: joined during digital silence; `jumped`: no common sample was found in time.
   */
  | { type: 'buffer-changed'; bufferFrames: number; splice: 'aligned' | 'silent' | 'jumped' }
  | { type: 'log'; line: string };

export interface Capture {
  readonly format: AudioFormat;
  /** The device actually opened (the last one, after a reopen). */
  readonly device: string;
  /** Set when the remembered device was missing and the default was opened instead. */
  readonly fallback: AppError | null;
  /** Interleaved float samples, `format.channels` per frame. Do not keep the array. */
  onBlock(listener: (samples: Float32Array) => void): void;
  onEvent(listener: (event: CaptureEvent) => void): void;
  /**
   * A new PortAudio buffer size (and delivered block size): a handover to a second stream,
   * spliced in at the same sample. A failed handover keeps the running stream and says why.
   */
  setBuffer(bufferFrames: number, deliveryFrames: number): void;
  close(deadlineMs: number): Promise<CloseReport>;
  /** The current helper's pid (tests check it is gone after close). */
  helperPids(): number[];
}

export async function openCapture(options: CaptureOptions): Promise<{ capture: Capture } | { error: AppError }> {
  const command = options.helper ?? defaultHelperCommand();
  if (!command) return { error: appError('AUDIO_INPUT_HELPER_MISSING', 'The audio input helper is missing from this installation') };
  const capture = new NativeCapture(command, options);
  const error = await capture.firstOpen();
  if (error) {
    await capture.close(500);
    return { error };
  }
  return { capture };
}

interface Attempt {
  helper: HelperProcess;
  startedAt: number;
  openedAt: number | null;
  bufferFrames: number;
}

/** A second stream opening beside the running one, with another PortAudio buffer. */
interface Handover {
  attempt: Attempt;
  /** The new stream's blocks, held until the splice point is known. */
  pending: Float32Array[];
  firstDataAt: number | null;
  /** What the old stream delivered since the handover began (copies), oldest first. */
  history: Float32Array[];
  historyFrames: number;
}

/** How long the new stream's data waits for the old stream to reach the same sample. */
const SPLICE_WAIT_MS = 500;
/**
 * Old-stream frames kept for the search: more than any latency difference between the two, and
 * under a second, the period of a test tone at an integer frequency (a match a period back
 * would be a false one).
 */
const HISTORY_SECONDS = 0.5;

class NativeCapture implements Capture {
  readonly format: AudioFormat;
  device = '';
  fallback: AppError | null = null;
  private readonly timing: CaptureTiming;
  private readonly request: Extract<HelperRequest, { type: 'open' }>;
  private readonly live = new Set<HelperProcess>();
  private current: Attempt | null = null;
  private handover: Handover | null = null;
  /** Frames of the new stream still to drop after a splice: the old one delivered them already. */
  private skipFrames = 0;
  private lastDataAt: number | null = null;
  private lostSince: number | null = null;
  private nextAttemptAt = 0;
  private lastReopenError = '';
  private closed = false;
  private watchdog: NodeJS.Timeout | null = null;
  private blockListener: (samples: Float32Array) => void = () => {};
  private readonly eventListeners: ((event: CaptureEvent) => void)[] = [];
  private openWaiter: ((error: AppError | null) => void) | null = null;
  private readonly recentLog: string[] = [];

  constructor(
    private readonly command: HelperCommand,
    private readonly options: CaptureOptions,
  ) {
    this.format = { sampleRate: options.sampleRate, channels: options.channels };
    this.timing = { ...DEFAULT_CAPTURE_TIMING, ...options.timing };
    const blockFrames = options.blockFrames ?? Math.max(1, Math.round(options.sampleRate / 50));
    const request: Extract<HelperRequest, { type: 'open' }> = {
      type: 'open',
      sampleRate: options.sampleRate,
      channels: options.channels,
      blockFrames,
      deliveryFrames: options.deliveryFrames ?? blockFrames,
    };
    if (options.deviceName !== undefined) request.deviceName = options.deviceName;
    this.request = request;
  }

  /** Takes effect from the helper's next block, and for every helper opened after (a reopen). */
  private setDeliveryFrames(frames: number): void {
    if (frames === this.request.deliveryFrames) return;
    this.request.deliveryFrames = frames;
    this.current?.helper.send({ type: 'delivery', frames });
    this.handover?.attempt.helper.send({ type: 'delivery', frames });
  }

  setBuffer(bufferFrames: number, deliveryFrames: number): void {
    if (bufferFrames === this.request.blockFrames) return this.setDeliveryFrames(deliveryFrames);
    this.request.blockFrames = bufferFrames;
    this.request.deliveryFrames = deliveryFrames;
    if (this.handover) this.abandonHandover();
    // Lost or not yet open: the next attempt opens with the new size anyway.
    if (this.closed || !this.current || this.current.openedAt === null || this.lostSince !== null) return;
    if (this.current.bufferFrames === bufferFrames) {
      this.current.helper.send({ type: 'delivery', frames: deliveryFrames });
      return;
    }
    this.handover = { attempt: this.launch(), pending: [], firstDataAt: null, history: [], historyFrames: 0 };
  }

  onBlock(listener: (samples: Float32Array) => void): void {
    this.blockListener = listener;
  }

  onEvent(listener: (event: CaptureEvent) => void): void {
    this.eventListeners.push(listener);
  }

  helperPids(): number[] {
    return [...this.live].map((h) => h.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Resolves with null once the stream is open, or the reason it is not. */
  firstOpen(): Promise<AppError | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.openWaiter = null;
        resolve(appError('AUDIO_INPUT_OPEN_TIMEOUT', `The sound system did not open the input within ${this.timing.openTimeoutMs} ms (is the sound server stalled?)`));
      }, this.timing.openTimeoutMs);
      this.openWaiter = (error) => {
        clearTimeout(timer);
        this.openWaiter = null;
        // A quarter of the shortest limit: precise enough, and few wake-ups of the audio thread.
        if (!error) this.watchdog = setInterval(() => this.tick(), Math.min(250, this.timing.lostAfterMs / 4));
        resolve(error);
      };
      this.startAttempt();
    });
  }

  async close(deadlineMs: number): Promise<CloseReport> {
    const started = performance.now();
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.current = null;
    const results = await Promise.all([...this.live].map((h) => h.end(deadlineMs)));
    return { outcome: results.every((r) => r.graceful) ? 'closed' : 'timed-out', ms: performance.now() - started };
  }

  private emit(event: CaptureEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  private startAttempt(): void {
    this.current = this.launch();
  }

  /** A helper opening the stream with the current request (a copy: requests change later). */
  private launch(): Attempt {
    const request = { ...this.request };
    const attempt: Attempt = { helper: undefined as unknown as HelperProcess, startedAt: performance.now(), openedAt: null, bufferFrames: request.blockFrames };
    attempt.helper = new HelperProcess(this.command, this.options.env ?? {}, request, {
      onReply: (reply) => this.onReply(attempt, reply),
      onLog: (line) => {
        this.recentLog.push(line);
        if (this.recentLog.length > 10) this.recentLog.shift();
        this.emit({ type: 'log', line });
      },
      onExit: (code, signal) => {
        this.live.delete(attempt.helper);
        if (this.handover?.attempt === attempt && !this.closed) {
          this.abandonHandover(appError('AUDIO_INPUT_HELPER_EXITED', `The audio input helper for the new buffer size ended (${signal ?? `exit ${code}`})`));
        }
        if (this.current === attempt && !this.closed) {
          this.current = null;
          // A native crash (PortAudio assertions abort the process) lands here, contained.
          this.attemptFailed(appError('AUDIO_INPUT_HELPER_EXITED', `The audio input helper ended unexpectedly (${signal ?? `exit ${code}`})`, this.recentLog.join('\n') || undefined));
        }
      },
    });
    this.live.add(attempt.helper);
    return attempt;
  }

  private onReply(attempt: Attempt, reply: HelperReply): void {
    if (this.closed) return;
    if (this.handover?.attempt === attempt) return this.onHandoverReply(this.handover, reply);
    if (this.current !== attempt) return;
    switch (reply.type) {
      case 'opened': {
        attempt.openedAt = performance.now();
        this.device = reply.device;
        const previous = this.fallback;
        this.fallback = reply.fallbackFrom === undefined ? null : appError(
          'AUDIO_INPUT_FALLBACK',
          `The audio device "${reply.fallbackFrom}" was not found; using the system default "${reply.device}" instead`,
        );
        // Warn again only when it changed: a reopen onto the same default is not news.
        if (this.fallback && !this.openWaiter && this.fallback.message !== previous?.message) this.emit({ type: 'fallback', error: this.fallback });
        this.openWaiter?.(null);
        return;
      }
      case 'block': {
        const now = performance.now();
        this.lastDataAt = now;
        if (this.lostSince !== null) {
          const lostForMs = now - this.lostSince;
          this.lostSince = null;
          this.lastReopenError = '';
          this.emit({ type: 'device-restored', device: this.device, lostForMs });
        }
        this.deliver(reply.samples);
        return;
      }
      case 'failed': {
        const error = appError(reply.code, reply.message, reply.detail);
        this.current = null;
        void attempt.helper.end(0);
        if (this.openWaiter) this.openWaiter(error);
        else this.attemptFailed(error);
        return;
      }
      default:
        return;
    }
  }

  /** A block of the current stream: to the listener, and kept for the search while a handover runs. */
  private deliver(samples: Float32Array): void {
    const channels = this.request.channels;
    const handover = this.handover;
    if (handover) {
      handover.history.push(samples.slice());
      handover.historyFrames += samples.length / channels;
      const keep = HISTORY_SECONDS * this.request.sampleRate;
      while (handover.history.length > 1 && handover.historyFrames - handover.history[0]!.length / channels >= keep) {
        handover.historyFrames -= handover.history.shift()!.length / channels;
      }
    }
    // After a splice onto a stream that lags: what the old one delivered already is dropped.
    const skip = Math.min(this.skipFrames, samples.length / channels);
    this.skipFrames -= skip;
    if (skip * channels < samples.length) this.blockListener(skip === 0 ? samples : samples.subarray(skip * channels));
    if (handover) this.trySplice(handover);
  }

  private onHandoverReply(handover: Handover, reply: HelperReply): void {
    switch (reply.type) {
      case 'opened':
        handover.attempt.openedAt = performance.now();
        return;
      case 'block':
        handover.firstDataAt ??= performance.now();
        handover.pending.push(reply.samples);
        this.trySplice(handover);
        return;
      case 'failed':
        this.abandonHandover(appError(reply.code, reply.message, reply.detail));
        return;
      default:
        return;
    }
  }

  /** Joins the new stream once its first frames are found in the old one (or cannot be). */
  private trySplice(handover: Handover): void {
    const channels = this.request.channels;
    const pending = joinBlocks(handover.pending);
    if (pending.length < PROBE_FRAMES * channels) return;
    const search = findSplice(joinBlocks(handover.history), pending.subarray(0, PROBE_FRAMES * channels), channels);
    if (search.found) return this.completeHandover(handover, pending, search.overlapFrames, 'aligned');
    if (search.featureless) return this.completeHandover(handover, pending, 0, 'silent');
    if (handover.firstDataAt !== null && performance.now() - handover.firstDataAt >= SPLICE_WAIT_MS) {
      this.completeHandover(handover, pending, 0, 'jumped');
    }
  }

  private completeHandover(handover: Handover, pending: Float32Array, overlapFrames: number, splice: 'aligned' | 'silent' | 'jumped'): void {
    const old = this.current;
    this.handover = null;
    this.current = handover.attempt;
    this.lastDataAt = performance.now();
    if (old) this.retire(old, false);
    const channels = this.request.channels;
    // When the old stream has the lower latency it is ahead: the new one's next blocks repeat
    // what was delivered, and are dropped until it catches up.
    const pendingFrames = pending.length / channels;
    this.skipFrames = Math.max(0, overlapFrames - pendingFrames);
    const rest = pending.subarray(Math.min(pendingFrames, overlapFrames) * channels);
    if (rest.length > 0) this.blockListener(rest.slice());
    this.emit({ type: 'buffer-changed', bufferFrames: handover.attempt.bufferFrames, splice });
  }

  private abandonHandover(error?: AppError): void {
    const handover = this.handover;
    if (!handover) return;
    this.handover = null;
    void handover.attempt.helper.end(this.timing.internalCloseMs);
    if (error) {
      this.emit({
        type: 'reopen-failed',
        error: appError('AUDIO_INPUT_BUFFER_CHANGE', `Could not change the input's buffer to ${Math.round((handover.attempt.bufferFrames * 1000) / this.request.sampleRate)} ms; the input goes on as it was: ${error.message}`, error.detail),
      });
    }
  }

  /** The watchdog: data silence while running, and stuck or silent reopen attempts. */
  private tick(): void {
    if (this.closed) return;
    const now = performance.now();
    const handover = this.handover;
    if (handover && handover.firstDataAt === null) {
      const { openedAt, startedAt } = handover.attempt;
      const late = openedAt === null ? now - startedAt >= this.timing.openTimeoutMs : now - openedAt >= this.timing.firstDataMs;
      if (late) this.abandonHandover(appError('AUDIO_INPUT_OPEN_TIMEOUT', 'the new stream delivered no audio in time'));
    }
    const attempt = this.current;
    if (this.lostSince === null) {
      if (!attempt) return;
      const since = this.lastDataAt ?? attempt.openedAt ?? attempt.startedAt;
      const limit = this.lastDataAt === null ? this.timing.firstDataMs : this.timing.lostAfterMs;
      if (now - since >= limit) {
        this.lostSince = this.lastDataAt ?? now;
        this.abandonHandover();
        this.emit({
          type: 'device-lost',
          error: appError('AUDIO_INPUT_LOST', `No audio from "${this.device}" for ${Math.round(now - since)} ms: the device or sound server stopped; reopening`),
        });
        this.retire(attempt, true);
      }
      return;
    }
    if (attempt) {
      if (attempt.openedAt === null && now - attempt.startedAt >= this.timing.openTimeoutMs) {
        this.retire(attempt, false);
        this.attemptFailed(appError('AUDIO_INPUT_OPEN_TIMEOUT', `The sound system did not open "${this.request.deviceName ?? 'default'}" within ${this.timing.openTimeoutMs} ms`));
      } else if (attempt.openedAt !== null && now - attempt.openedAt >= this.timing.firstDataMs) {
        this.retire(attempt, false);
        this.attemptFailed(appError('AUDIO_INPUT_NO_DATA', `"${this.device}" opened but delivered no audio`));
      }
    } else if (now >= this.nextAttemptAt) {
      this.startAttempt();
    }
  }

  /** Ends a helper in the background (bounded); the next attempt waits for it to be gone. */
  private retire(attempt: Attempt, report: boolean): void {
    if (this.current === attempt) this.current = null;
    this.nextAttemptAt = Number.POSITIVE_INFINITY;
    const started = performance.now();
    void attempt.helper.end(this.timing.internalCloseMs).then(({ graceful }) => {
      if (report) this.emit({ type: 'stream-closed', outcome: graceful ? 'closed' : 'timed-out', ms: performance.now() - started });
      if (!this.current) this.nextAttemptAt = performance.now() + this.timing.reopenIntervalMs;
    });
  }

  private attemptFailed(error: AppError): void {
    if (this.openWaiter) {
      this.openWaiter(error);
      return;
    }
    if (this.lostSince === null) {
      this.lostSince = performance.now();
      this.emit({ type: 'device-lost', error });
    } else if (error.message !== this.lastReopenError) {
      this.emit({ type: 'reopen-failed', error });
    }
    this.lastReopenError = error.message;
    if (this.nextAttemptAt !== Number.POSITIVE_INFINITY) this.nextAttemptAt = performance.now() + this.timing.reopenIntervalMs;
  }
}
