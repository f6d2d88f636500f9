/**
 * One file of a recording: takes audio, encodes it, and writes the output through an async
 * queue so a slow disk never blocks the caller. After every write the header is patched to
 * describe the file as it is (encoders with a live header), the file is fsynced every few
 * seconds, and finishing writes the encoder's tail and final patches, fsyncs and closes.
 * A write error stops the part and leaves the file as valid as the encoder allows.
 */
import { appError, type AppError } from '../../shared/errors';
import type { AudioFormat } from '../audio/audio-format';
import type { Encoder, HeaderPatch } from '../audio/encoder';
import { hasLiveHeader } from './file-capabilities';
import { errnoCode, type OpenedPart } from './open-part';

export interface PartSummary {
  path: string;
  /** Frames handed to this part's encoder. */
  frames: number;
  /** Bytes this part wrote (for an appended file: the bytes added). */
  bytes: number;
  durationSeconds: number;
  appended: boolean;
  error?: AppError;
}

export interface PartHooks {
  /** Bytes waiting in this part's queue changed by `delta` (the recorder bounds the total). */
  queued(delta: number): void;
  opened(part: PartWriter): void;
  failed(part: PartWriter, error: AppError): void;
  /** The queue ran empty or the part changed state: lets waiters re-check. */
  progress(): void;
}

export interface PartTiming {
  fsyncIntervalMs: number;
}

/** What a part needs before it can write: its encoder and its open file. */
export interface PreparedPart {
  encoder: Encoder;
  file: OpenedPart;
}

/** Largest single write: batches of queued chunks are joined up to this size. */
const MAX_BATCH_BYTES = 1 << 20;

type State = 'opening' | 'open' | 'failed' | 'closed';

export class PartWriter {
  private state: State = 'opening';
  private encoder: Encoder | undefined;
  private path = '';
  private appended = false;
  private handle: OpenedPart['handle'] | undefined;
  private position = 0;
  private bytesWritten = 0;
  private frames = 0;
  /** Input that arrived while the file was still opening (copied: callers reuse buffers). */
  private pending: Float32Array[] = [];
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private draining = false;
  private finishRequested = false;
  private encoderBroken = false;
  private skipFsync = false;
  private lastSync = performance.now();
  private error: AppError | undefined;
  private resolveDone!: (summary: PartSummary) => void;
  /** Resolves once the part is closed, successfully or not. Never rejects. */
  readonly done: Promise<PartSummary>;
  /** Resolves once the file is open (undefined) or could not be opened (the error). */
  readonly opened: Promise<AppError | undefined>;

  constructor(
    readonly number: number,
    private readonly format: AudioFormat,
    preparing: Promise<PreparedPart | AppError>,
    private readonly timing: PartTiming,
    private readonly hooks: PartHooks,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.opened = preparing.then(
      (result) => this.onOpened(result),
      (thrown: unknown) => this.onOpened(appError('RECORDER_OPEN_FAILED', 'Cannot open the recording file.', String(thrown))),
    );
  }

  get filePath(): string {
    return this.path;
  }

  get isOpening(): boolean {
    return this.state === 'opening';
  }

  get waitingBytes(): number {
    return this.queuedBytes + this.inFlight;
  }

  /** Takes interleaved input of the encoder's format; never throws, never waits. */
  feed(samples: Float32Array): void {
    if (this.finishRequested || this.state === 'failed' || this.state === 'closed') return;
    this.frames += Math.floor(samples.length / this.format.channels);
    if (this.state === 'opening') {
      const copy = samples.slice();
      this.pending.push(copy);
      this.hooks.queued(copy.byteLength);
      return;
    }
    this.encode((encoder) => encoder.encode(samples));
    this.kick();
  }

  /** Ends the part: flush, final patches, fsync, close. Safe to call more than once. */
  finish(options: { skipFsync?: boolean } = {}): Promise<PartSummary> {
    if (options.skipFsync === true) this.skipFsync = true;
    if (this.finishRequested) return this.done;
    this.finishRequested = true;
    if (this.state === 'open') {
      this.encode((encoder) => encoder.flush());
      this.kick();
    }
    return this.done;
  }

  /** Later fsyncs are skipped (the shutdown deadline ran out): close as fast as possible. */
  hurry(): void {
    this.skipFsync = true;
  }

  summary(): PartSummary {
    const base = {
      path: this.path,
      frames: this.frames,
      bytes: this.bytesWritten,
      durationSeconds: this.frames / this.format.sampleRate,
      appended: this.appended,
    };
    return this.error === undefined ? base : { ...base, error: this.error };
  }

  private onOpened(result: PreparedPart | AppError): AppError | undefined {
    if ('code' in result) {
      this.state = 'failed';
      this.error = result;
      this.dropPending();
      this.hooks.failed(this, result);
      this.resolveDone(this.summary());
      this.hooks.progress();
      return result;
    }
    this.state = 'open';
    this.encoder = result.encoder;
    this.handle = result.file.handle;
    this.path = result.file.path;
    this.position = result.file.writeAt;
    this.appended = result.file.appended;
    this.hooks.opened(this);
    const pending = this.pending;
    this.pending = [];
    for (const samples of pending) {
      this.hooks.queued(-samples.byteLength);
      this.encode((encoder) => encoder.encode(samples));
    }
    if (this.finishRequested) this.encode((encoder) => encoder.flush());
    this.kick();
    return undefined;
  }

  private encode(run: (encoder: Encoder) => { bytes: Uint8Array }[]): void {
    if (this.encoderBroken || this.encoder === undefined) return;
    try {
      for (const chunk of run(this.encoder)) {
        if (chunk.bytes.length === 0) continue;
        this.queue.push(chunk.bytes);
        this.queuedBytes += chunk.bytes.length;
        this.hooks.queued(chunk.bytes.length);
      }
    } catch (thrown) {
      // Keep what is already encoded, stop the part cleanly, tell the recorder.
      this.encoderBroken = true;
      this.finishRequested = true;
      this.error = appError('RECORDER_ENCODER_FAILED', `The ${this.encoder.codec} encoder failed: recording stopped.`, String(thrown));
      this.hooks.failed(this, this.error);
    }
  }

  private kick(): void {
    if (!this.draining && this.state === 'open') void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.state === 'open') {
        if (this.queue.length === 0) {
          if (this.finishRequested) await this.finalize();
          break;
        }
        const batch = this.takeBatch();
        await this.writeAll(batch);
        this.inFlight = 0;
        this.hooks.queued(-batch.length);
        const encoder = this.encoder!;
        if (hasLiveHeader(encoder)) await this.writePatches(encoder.patchesForLength(this.position));
        if (!this.skipFsync && performance.now() - this.lastSync >= this.timing.fsyncIntervalMs) {
          await this.handle!.datasync();
          this.lastSync = performance.now();
        }
      }
    } catch (thrown) {
      await this.failWrite(thrown);
    } finally {
      this.draining = false;
      this.hooks.progress();
    }
  }

  private takeBatch(): Uint8Array {
    let size = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || size + this.queue[count]!.length <= MAX_BATCH_BYTES)) {
      size += this.queue[count]!.length;
      count++;
    }
    const parts = this.queue.splice(0, count);
    this.queuedBytes -= size;
    this.inFlight = size;
    if (parts.length === 1) return parts[0]!;
    const batch = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
      batch.set(part, at);
      at += part.length;
    }
    return batch;
  }

  /** pwrite until everything is written: a nearly full disk accepts part of a write. */
  private async writeAll(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.handle!.write(bytes, offset, bytes.length - offset, this.position);
      if (bytesWritten <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
      offset += bytesWritten;
      this.position += bytesWritten;
      this.bytesWritten += bytesWritten;
    }
  }

  private async writePatches(patches: HeaderPatch[]): Promise<void> {
    for (const patch of patches) {
      let offset = 0;
      while (offset < patch.bytes.length) {
        const { bytesWritten } = await this.handle!.write(patch.bytes, offset, patch.bytes.length - offset, patch.offset + offset);
        if (bytesWritten <= 0) throw Object.assign(new Error('header write returned 0 bytes'), { code: 'EIO' });
        offset += bytesWritten;
      }
    }
  }

  private async finalize(): Promise<void> {
    const encoder = this.encoder!;
    const patches = this.encoderBroken
      ? hasLiveHeader(encoder)
        ? encoder.patchesForLength(this.position)
        : []
      : encoder.finalPatches();
    await this.writePatches(patches);
    if (!this.skipFsync) await this.handle!.sync();
    await this.handle!.close();
    this.state = 'closed';
    this.closeEncoder();
    this.resolveDone(this.summary());
  }

  /** A write failed: stop, keep the file as valid as possible, report once. */
  private async failWrite(thrown: unknown): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.hooks.queued(-(this.queuedBytes + this.inFlight));
    this.queue = [];
    this.queuedBytes = 0;
    this.inFlight = 0;
    const error = writeError(this.path, thrown, this.frames / this.format.sampleRate);
    if (this.error === undefined) this.error = error;
    const handle = this.handle!;
    const encoder = this.encoder!;
    if (hasLiveHeader(encoder)) {
      await this.writePatches(encoder.patchesForLength(this.position)).catch(() => undefined);
    }
    await handle.sync().catch(() => undefined);
    await handle.close().catch(() => undefined);
    this.closeEncoder();
    this.hooks.failed(this, error);
    this.resolveDone(this.summary());
  }

  private dropPending(): void {
    for (const samples of this.pending) this.hooks.queued(-samples.byteLength);
    this.pending = [];
  }

  private closeEncoder(): void {
    try {
      this.encoder?.close();
    } catch {
      // Releasing memory failed: nothing the operator can act on.
    }
  }
}

function writeError(path: string, thrown: unknown, seconds: number): AppError {
  const code = errnoCode(thrown);
  const when = `after about ${seconds.toFixed(1)} s`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const what = code === 'EDQUOT' ? 'Disk quota exceeded' : 'The disk is full';
    return appError(
      'RECORDER_DISK_FULL',
      `${what}: recording to "${path}" stopped ${when}. The file keeps everything written up to that point.`,
      String(thrown),
    );
  }
  return appError(
    'RECORDER_WRITE_FAILED',
    `Writing "${path}" failed (${code ?? 'unknown error'}): recording stopped ${when}. The file keeps everything written up to that point.`,
    String(thrown),
  );
}
