/**
 * The recorder: takes interleaved float audio, hands it to a file part, and rotates parts on
 * a schedule (every N minutes, optionally from the next full hour) or on "split now".
 * Splits cut at an exact frame: the frame that ends one part is followed by the frame that
 * begins the next, none lost or repeated. The schedule follows the audio clock (frames), not
 * the wall clock, so it is exact and unaffected by a busy event loop.
 *
 * write() never blocks and never throws: output goes through async queues bounded by
 * `maxQueuedBytes`; input that does not fit is dropped before encoding (so the encoder's
 * output stays consistent), counted, and reported.
 */
import { appError, isAppError, toAppError, type AppError } from '../../shared/errors';
import { sameFormat, type AudioFormat } from '../audio/audio-format';
import type { Encoder } from '../audio/encoder';
import type { ResourceHandle, ResourceRegistry } from '../resource-registry';
import { supportsAppend } from './file-capabilities';
import type { FileNameTemplate } from './file-name';
import { openPart, type ExistingFilePolicy } from './open-part';
import { PartWriter, type PartSummary, type PreparedPart } from './part-writer';

export type { ExistingFilePolicy } from './open-part';
export type { PartSummary } from './part-writer';

export interface SplitSchedule {
  /** Part length in ms (BUTT's `split_time` minutes x 60 000); fractions allowed. */
  everyMs: number;
  /** The first split happens at the next full hour (local time), then every `everyMs`. */
  syncToHour?: boolean;
}

export interface RecorderOptions {
  /** What write() receives; each encoder's inputFormat must match it. */
  format: AudioFormat;
  /**
   * Makes a fresh encoder for each part (a split starts a new file with its own header).
   * May be async (libraries that load wasm); a throw or rejection (an AppErrorException
   * keeps its AppError) stops the recording with that error.
   */
  createEncoder: () => Encoder | Promise<Encoder>;
  fileName: FileNameTemplate;
  existingFile: ExistingFilePolicy;
  /** For %N. */
  serverName?: string;
  timeZone?: string;
  homeDir?: string;
  split?: SplitSchedule;
  /** fsync at most this often while recording (default 5 s); always at the end of a part. */
  fsyncIntervalMs?: number;
  /** Output waiting for the disk, summed over parts (default 32 MiB); beyond it input is dropped. */
  maxQueuedBytes?: number;
  /** Clock for file names and the full-hour sync (tests pass a fixed one). */
  now?: () => Date;
  onEvent?: (event: RecorderEvent) => void;
  /** When given, the recording registers itself (stage 'recorder') until it has stopped. */
  registry?: ResourceRegistry;
}

export interface RecordingSummary {
  parts: PartSummary[];
  frames: number;
  bytes: number;
  durationSeconds: number;
  /** Frames dropped because the disk could not keep up. */
  droppedFrames: number;
  /** Why the recording stopped on its own, if it did. */
  error?: AppError;
}

export type RecorderEvent =
  | { type: 'part-opened'; part: number; path: string }
  | { type: 'part-closed'; summary: PartSummary }
  | { type: 'overflow'; warning: AppError; droppedFrames: number }
  | { type: 'failed'; error: AppError }
  | { type: 'stopped'; summary: RecordingSummary };

export type StartResult = { ok: true; recorder: Recorder } | { ok: false; error: AppError };

const DEFAULT_FSYNC_MS = 5000;
const DEFAULT_MAX_QUEUED = 32 * 1024 * 1024;

export class Recorder {
  private current: PartWriter | undefined;
  private readonly parts: PartWriter[] = [];
  private readonly usedPaths = new Set<string>();
  private readonly sampleRate: number;
  private readonly channels: number;
  private readonly intervalFrames: number | undefined;
  private nextSplitAt: number | undefined;
  private framesIn = 0;
  private droppedFrames = 0;
  private overflowing = false;
  private queuedBytes = 0;
  private state: 'recording' | 'stopping' | 'stopped' = 'recording';
  private error: AppError | undefined;
  private stopping: Promise<RecordingSummary> | undefined;
  private registration: ResourceHandle | undefined;
  private waiters: (() => void)[] = [];
  /** Parts open one after another, so two parts never pick the same free name. */
  private previousOpening: Promise<unknown> = Promise.resolve();
  /** Until start() succeeds, failures are its return value, not events. */
  private started = false;

  /** Opens the first file; the recording runs once this resolves with ok. */
  static async start(options: RecorderOptions): Promise<StartResult> {
    if (options.split !== undefined && !(options.split.everyMs > 0)) {
      return { ok: false, error: appError('RECORDER_SETTINGS', 'The split interval must be longer than 0.') };
    }
    const recorder = new Recorder(options);
    const error = await recorder.current!.opened;
    if (error !== undefined) {
      await recorder.stop();
      return { ok: false, error };
    }
    if (options.registry !== undefined) {
      try {
        recorder.registration = options.registry.register(
          { kind: 'file', stage: 'recorder', label: `recording ${recorder.current?.filePath ?? ''}` },
          (signal) => recorder.close(signal),
        );
      } catch (thrown) {
        await recorder.stop();
        return { ok: false, error: toAppError(thrown, 'RECORDER_SHUTTING_DOWN', 'Cannot start recording: Airtight is shutting down.') };
      }
    }
    recorder.started = true;
    return { ok: true, recorder };
  }

  private constructor(private readonly options: RecorderOptions) {
    this.sampleRate = options.format.sampleRate;
    this.channels = options.format.channels;
    if (options.split !== undefined) {
      this.intervalFrames = Math.max(1, Math.round((options.split.everyMs * this.sampleRate) / 1000));
      this.nextSplitAt =
        options.split.syncToHour === true
          ? Math.max(1, Math.round((msToNextHour(this.now()) * this.sampleRate) / 1000))
          : this.intervalFrames;
    }
    this.current = this.newPart();
  }

  get isRecording(): boolean {
    return this.state === 'recording';
  }

  /** The file being written now ('' while it is still opening). */
  get currentPath(): string {
    return this.current?.filePath ?? '';
  }

  get stats(): { frames: number; droppedFrames: number; queuedBytes: number; parts: number; bytes: number } {
    const bytes = this.parts.reduce((sum, part) => sum + part.summary().bytes, 0);
    return { frames: this.framesIn, droppedFrames: this.droppedFrames, queuedBytes: this.queuedBytes, parts: this.parts.length, bytes };
  }

  /**
   * Interleaved float input in the encoder's format. Never throws, never waits: when the
   * disk is behind by more than `maxQueuedBytes`, the block is dropped and counted.
   */
  write(samples: Float32Array): void {
    if (this.state !== 'recording') return;
    const frames = Math.floor(samples.length / this.channels);
    const drop = this.queuedBytes >= (this.options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED);
    if (drop) this.noteDropped(frames);
    else this.overflowing = false;
    let done = 0;
    while (done < frames && this.state === 'recording') {
      const untilSplit = this.nextSplitAt === undefined ? Infinity : this.nextSplitAt - this.framesIn;
      const take = Math.min(frames - done, untilSplit);
      // The next part starts with its first frame: a recording that ends on a split leaves no empty file.
      if (this.current === undefined && take > 0) this.current = this.newPart();
      if (!drop) this.current?.feed(samples.subarray(done * this.channels, (done + take) * this.channels));
      done += take;
      this.framesIn += take;
      if (this.framesIn === this.nextSplitAt) {
        this.nextSplitAt += this.intervalFrames!;
        this.endPart();
      }
    }
  }

  /** Ends the current part after the last frame written and starts the next (BUTT "split now"). */
  splitNow(): void {
    if (this.state === 'recording') this.endPart();
  }

  /** Finalizes every part (flush, header patches, fsync, close). Safe to call more than once. */
  stop(): Promise<RecordingSummary> {
    this.stopping ??= this.finishAll();
    return this.stopping;
  }

  /**
   * For the resource registry: stops like stop(); once `signal` aborts (the shutdown
   * deadline), remaining fsyncs are skipped so the files close as soon as possible.
   */
  async close(signal: AbortSignal): Promise<void> {
    const hurry = (): void => {
      for (const part of this.parts) part.hurry();
    };
    if (signal.aborted) hurry();
    signal.addEventListener('abort', hurry, { once: true });
    try {
      await this.stop();
    } finally {
      signal.removeEventListener('abort', hurry);
    }
  }

  /** Resolves when every queued byte is on disk (or dropped by a failure). For tests and stats. */
  async written(): Promise<void> {
    while (!this.isIdle()) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private isIdle(): boolean {
    return this.queuedBytes === 0 && !this.parts.some((part) => part.isOpening);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Finalizes the current part now; the next one opens when the next frame arrives. */
  private endPart(): void {
    const previous = this.current;
    this.current = undefined;
    void previous?.finish();
  }

  private newPart(): PartWriter {
    const number = this.parts.length + 1;
    const after = this.previousOpening;
    const date = this.now();
    const part = new PartWriter(number, this.options.format, after.then(() => this.prepare(number, date)), { fsyncIntervalMs: this.options.fsyncIntervalMs ?? DEFAULT_FSYNC_MS }, {
      queued: (delta) => {
        this.queuedBytes += delta;
      },
      opened: (opened) => {
        this.usedPaths.add(opened.filePath);
        this.emit({ type: 'part-opened', part: opened.number, path: opened.filePath });
      },
      failed: (_part, error) => this.fail(error),
      progress: () => this.wake(),
    });
    void part.done.then((summary) => {
      if (summary.path !== '') this.emit({ type: 'part-closed', summary });
      this.wake();
    });
    this.parts.push(part);
    this.previousOpening = part.opened;
    return part;
  }

  /** Creates the part's encoder, then chooses and opens its file (named for `date`). */
  private async prepare(number: number, date: Date): Promise<PreparedPart | AppError> {
    let encoder: Encoder;
    try {
      encoder = await this.options.createEncoder();
    } catch (thrown) {
      return toAppError(thrown, 'RECORDER_ENCODER_FAILED', 'Cannot create the recording encoder.');
    }
    const release = (): void => {
      try {
        encoder.close();
      } catch {
        // Nothing the operator can act on.
      }
    };
    if (!sameFormat(encoder.inputFormat, this.options.format)) {
      release();
      const want = encoder.inputFormat;
      return appError(
        'RECORDER_FORMAT_MISMATCH',
        `The ${encoder.codec} encoder wants ${want.channels} ch at ${want.sampleRate} Hz but the recorder gets ${this.channels} ch at ${this.sampleRate} Hz.`,
      );
    }
    const configured = this.options.existingFile;
    // A later part never fails over an existing name: where append is impossible it takes an index.
    const policy: ExistingFilePolicy =
      number > 1 && configured === 'append' && !supportsAppend(encoder) ? 'new-index' : configured;
    const file = await openPart({
      template: this.options.fileName,
      context: {
        date,
        extension: encoder.extension,
        ...(this.options.serverName === undefined ? {} : { serverName: this.options.serverName }),
        ...(this.options.timeZone === undefined ? {} : { timeZone: this.options.timeZone }),
        ...(this.options.homeDir === undefined ? {} : { homeDir: this.options.homeDir }),
      },
      policy,
      encoder,
      avoid: this.usedPaths,
    }).catch((thrown: unknown) => toAppError(thrown, 'RECORDER_OPEN_FAILED', 'Cannot open the recording file.'));
    if (isAppError(file)) {
      release();
      return file;
    }
    return { encoder, file };
  }

  /** The recording stops on its own: report once, finalize what exists. */
  private fail(error: AppError): void {
    if (this.error !== undefined) return;
    this.error = error;
    this.emit({ type: 'failed', error });
    void this.stop();
  }

  private async finishAll(): Promise<RecordingSummary> {
    this.state = 'stopping';
    const summaries = await Promise.all(this.parts.map((part) => part.finish()));
    this.state = 'stopped';
    this.registration?.release();
    const parts = summaries.filter((summary) => summary.path !== '');
    const frames = parts.reduce((sum, part) => sum + part.frames, 0);
    const summary: RecordingSummary = {
      parts,
      frames,
      bytes: parts.reduce((sum, part) => sum + part.bytes, 0),
      durationSeconds: frames / this.sampleRate,
      droppedFrames: this.droppedFrames,
      ...(this.error === undefined ? {} : { error: this.error }),
    };
    this.emit({ type: 'stopped', summary });
    this.wake();
    return summary;
  }

  private noteDropped(frames: number): void {
    this.droppedFrames += frames;
    if (this.overflowing) return;
    this.overflowing = true; // one warning per episode, not per block
    this.emit({
      type: 'overflow',
      droppedFrames: this.droppedFrames,
      warning: appError(
        'RECORDER_OVERFLOW',
        `The disk cannot keep up with the recording: audio is being left out (${(this.droppedFrames / this.sampleRate).toFixed(2)} s so far).`,
      ),
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private emit(event: RecorderEvent): void {
    if (!this.started && (event.type === 'failed' || event.type === 'stopped')) return;
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not stop the recording.
    }
  }
}

/** Milliseconds from `now` to the next full hour of local time (a full hour when on the hour). */
export function msToNextHour(now: Date): number {
  const next = new Date(now.getTime());
  next.setMinutes(0, 0, 0);
  next.setHours(next.getHours() + 1);
  return next.getTime() - now.getTime();
}
