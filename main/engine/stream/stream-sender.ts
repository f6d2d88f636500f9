/**
 * One server's source connection, kept up until stopped: connect, confirm (a server that drops
 * the source within 2 s of accepting it has rejected it: Liquidsoap does this, and BUTT shows
 * "connected" meanwhile), stream whole chunks from a bounded queue, reconnect with backoff.
 * push() never blocks: audio that the uplink cannot take is dropped in whole chunks and counted.
 */
import type { Socket } from 'node:net';
import type { AppError } from '../../shared/errors';
import type { AudioFormat } from '../audio/audio-format';
import type { EncodedChunk } from '../audio/encoder';
import { ChunkQueue } from './chunk-queue';
import { RateMeter } from './rate-meter';
import { reconnectDelayMs } from './reconnect-policy';
import type { ServerEntry, StreamInfo } from './server-settings';
import { describeServer, openSource } from './source-handshake';
import { failure, type PresentedCertificate, type StreamFailure } from './stream-errors';

export type SenderState =
  | { state: 'idle' }
  /** dialing: connecting and waiting for the answer; confirming: accepted, audio flowing, not yet trusted. */
  | { state: 'connecting'; phase: 'dialing' | 'confirming'; attempt: number }
  | { state: 'connected'; since: string; protocol: 'put' | 'source' | 'shoutcast' }
  | { state: 'retrying'; error: AppError; retryInMs: number; attempt: number; certificate?: PresentedCertificate }
  /** Stopped by a failure retrying cannot fix (wrong credentials, an untrusted certificate). */
  | { state: 'failed'; error: AppError; certificate?: PresentedCertificate }
  | { state: 'stopped' };

export interface SenderStats {
  state: SenderState['state'];
  connectedSince?: string;
  /** Audio bytes that left this process for the server, over all connections. */
  bytesSent: number;
  /** Over the last 5 s. */
  bitrateKbps: number;
  /** Connections accepted after the first one. */
  reconnects: number;
  failedAttempts: number;
  droppedFrames: number;
  droppedBytes: number;
  droppedChunks: number;
  queuedFrames: number;
  /** Waiting in the queue plus in the socket's own buffer: bounded. */
  bufferedBytes: number;
}

export interface SenderOptions {
  entry: ServerEntry;
  info: StreamInfo;
  mimeType: string;
  /** The encoder's input format: frames per second for the queue bound, and ice-audio-info. */
  format: AudioFormat;
  queueSeconds?: number;
  /** Hard cap on queued bytes whatever the codec (FLAC is large). */
  queueMaxBytes?: number;
  /** The window in which a drop counts as a rejection. */
  confirmMs?: number;
  connectTimeoutMs?: number;
  answerTimeoutMs?: number;
  /** Data waiting in the socket this long without any of it leaving: the uplink is dead, reconnect. */
  stallTimeoutMs?: number;
  random?: () => number;
  onState?: (state: SenderState) => void;
}

/** The socket takes this much before chunks wait in our queue (where they can still be dropped whole). */
const SOCKET_HIGH_WATER = 32 * 1024;
const DEFAULT_CONFIRM_MS = 2000;
/** TCP itself may retransmit for many minutes before giving up on a dead path. */
const DEFAULT_STALL_TIMEOUT_MS = 20_000;

export class StreamSender {
  private current: SenderState = { state: 'idle' };
  private running = false;
  private socket: Socket | undefined;
  private live = false;
  private attemptAbort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly queue: ChunkQueue;
  private readonly meter = new RateMeter();
  /** The current Ogg/FLAC header set: sent first on every connection. */
  private headers: EncodedChunk[] = [];
  private lastWasAudio = false;
  private bytesHanded = 0;
  private accepted = 0;
  private failedAttempts = 0;

  constructor(private readonly options: SenderOptions) {
    const frames = Math.round(options.format.sampleRate * (options.queueSeconds ?? 10));
    this.queue = new ChunkQueue(frames, options.queueMaxBytes ?? 16 * 1024 * 1024);
  }

  get name(): string {
    return this.options.entry.name;
  }

  get state(): SenderState {
    return this.current;
  }

  /** Hands encoded chunks over; returns at once. Audio arriving while not connected is not kept. */
  push(chunks: readonly EncodedChunk[]): void {
    for (const chunk of chunks) {
      if (chunk.header) {
        // A header after audio starts a new chained stream (new headers for the next connection too).
        if (this.lastWasAudio) this.headers = [];
        this.headers.push(chunk);
        this.lastWasAudio = false;
      } else {
        this.lastWasAudio = true;
      }
      if (this.live) this.queue.push(chunk);
    }
    if (this.live) this.pump();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops at once while connecting or waiting to retry; a live connection is ended with a FIN
   * and awaited until the server closes its side (destroyed when `signal` fires). Also the
   * closer for the engine's resource registry.
   */
  async stop(signal: AbortSignal = AbortSignal.timeout(2000)): Promise<void> {
    this.running = false;
    this.attemptAbort?.abort();
    this.wake?.();
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      this.queue.clear();
      await endSocket(socket, signal);
    }
    await this.loop;
    if (this.current.state !== 'failed') this.setState({ state: 'stopped' });
  }

  stats(): SenderStats {
    const queue = this.queue.stats();
    const inSocket = this.socket && !this.socket.destroyed ? this.socket.writableLength : 0;
    return {
      state: this.current.state,
      ...(this.current.state === 'connected' ? { connectedSince: this.current.since } : {}),
      bytesSent: this.bytesHanded - inSocket,
      bitrateKbps: this.meter.kbps(),
      reconnects: Math.max(0, this.accepted - 1),
      failedAttempts: this.failedAttempts,
      droppedFrames: queue.droppedFrames,
      droppedBytes: queue.droppedBytes,
      droppedChunks: queue.droppedChunks,
      queuedFrames: queue.queuedFrames,
      bufferedBytes: queue.queuedBytes + inSocket,
    };
  }

  private setState(state: SenderState): void {
    this.current = state;
    this.options.onState?.(state);
  }

  private async run(): Promise<void> {
    const { entry } = this.options;
    let failuresInRow = 0;
    let attempt = 0;
    while (this.running) {
      attempt += 1;
      this.setState({ state: 'connecting', phase: 'dialing', attempt });
      const abort = new AbortController();
      this.attemptAbort = abort;
      const result = await openSource({
        entry,
        info: this.options.info,
        mimeType: this.options.mimeType,
        format: this.options.format,
        signal: abort.signal,
        ...(this.options.connectTimeoutMs ? { connectTimeoutMs: this.options.connectTimeoutMs } : {}),
        ...(this.options.answerTimeoutMs ? { answerTimeoutMs: this.options.answerTimeoutMs } : {}),
      });
      if (!this.running) {
        if (result.ok) result.socket.destroy();
        break;
      }
      let problem: StreamFailure | undefined;
      if (!result.ok) {
        problem = 'failure' in result ? result.failure : undefined;
      } else {
        this.accepted += 1;
        const outcome = await this.stream(result.socket, result.protocol, attempt);
        if (outcome === 'stopped') break;
        if (outcome.confirmed) failuresInRow = 0;
        problem = outcome.failure;
      }
      if (!problem) continue;
      this.failedAttempts += 1;
      failuresInRow += 1;
      if (problem.fatal && !entry.forceReconnecting) {
        this.setState({ state: 'failed', error: problem.error, ...(problem.certificate ? { certificate: problem.certificate } : {}) });
        this.running = false;
        break;
      }
      const retryInMs = reconnectDelayMs(entry.reconnectDelaySeconds, failuresInRow, this.options.random);
      this.setState({ state: 'retrying', error: problem.error, retryInMs, attempt, ...(problem.certificate ? { certificate: problem.certificate } : {}) });
      await this.sleep(retryInMs);
    }
    this.attemptAbort = undefined;
  }

  /** Streams on an accepted socket until it closes; says whether it outlived the confirm window. */
  private stream(socket: Socket, protocol: 'put' | 'source' | 'shoutcast', attempt: number): Promise<'stopped' | { confirmed: boolean; failure: StreamFailure }> {
    const where = describeServer(this.options.entry);
    const confirmMs = this.options.confirmMs ?? DEFAULT_CONFIRM_MS;
    return new Promise((resolve) => {
      let confirmed = false;
      let lastError: NodeJS.ErrnoException | undefined;
      let stalled: StreamFailure | undefined;
      const stallTimeoutMs = this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
      let lastProgress = performance.now();
      const watchdog = setInterval(() => {
        const now = performance.now();
        if (socket.writableLength === 0) lastProgress = now;
        else if (now - lastProgress > stallTimeoutMs) {
          stalled = failure('STREAM_TIMEOUT', `The uplink to ${where} stalled: nothing could be sent for ${Math.round(stallTimeoutMs / 1000)} s. Reconnecting.`);
          socket.destroy();
        }
      }, Math.min(1000, stallTimeoutMs / 4));
      this.socket = socket;
      this.live = true;
      this.meter.reset();
      this.queue.clear();
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 5000);
      socket.on('error', (error: NodeJS.ErrnoException) => (lastError = error));
      socket.on('data', () => undefined); // servers have nothing to say to a source; keep reading so a FIN is seen
      socket.on('drain', () => {
        lastProgress = performance.now();
        this.pump();
      });
      const timer = setTimeout(() => {
        confirmed = true;
        this.setState({ state: 'connected', since: new Date().toISOString(), protocol });
      }, confirmMs);
      socket.once('close', () => {
        clearTimeout(timer);
        clearInterval(watchdog);
        this.live = false;
        this.socket = undefined;
        this.queue.clear();
        if (!this.running) return resolve('stopped');
        const detail = lastError ? `${lastError.code ?? ''} ${lastError.message}`.trim() : undefined;
        if (stalled) {
          resolve({ confirmed, failure: stalled });
        } else if (!confirmed) {
          resolve({
            confirmed,
            failure: failure(
              'STREAM_REJECTED',
              `${where} accepted the source and dropped it within ${Math.round(confirmMs / 1000)} s: it rejected the stream (check the mount, credentials and format the server expects).`,
              detail ? { detail } : {},
            ),
          });
        } else {
          resolve({ confirmed, failure: failure('STREAM_DROPPED', `The connection to ${where} was lost. Reconnecting.`, detail ? { detail } : {}) });
        }
      });
      this.setState({ state: 'connecting', phase: 'confirming', attempt });
      for (const header of this.headers) this.queue.push(header);
      this.pump();
    });
  }

  private pump(): void {
    const socket = this.socket;
    if (!socket || socket.destroyed || !this.live) return;
    while (socket.writableLength < SOCKET_HIGH_WATER) {
      const chunk = this.queue.shift();
      if (!chunk) break;
      socket.write(chunk.bytes);
      this.bytesHanded += chunk.bytes.length;
      this.meter.add(chunk.bytes.length);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = undefined;
    });
  }
}

/** FIN, then wait for the server to close its side; destroy when the signal fires. */
function endSocket(socket: Socket, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const onAbort = (): void => void socket.destroy();
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    socket.end();
  });
}
