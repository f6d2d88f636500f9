/**
 * A lane from the audio thread to a worker thread (an encoder, a recorder) that can never
 * stall the audio: blocks are posted without waiting, the worker acknowledges what it has
 * processed, and when more than `maxInFlightFrames` are outstanding the new block is dropped
 * and counted instead of queued. The lane is joined on stop, for the resource registry.
 *
 * The worker acknowledges through a counter in shared memory, not a message: a reply per batch
 * would wake the audio thread once more per batch for nothing but bookkeeping.
 *
 * Lane workers call codec libraries through koffi, and a thread terminated inside a koffi call
 * aborts the whole process (issue #3): every lane carries a native call guard, and a stop past
 * its deadline terminates the thread only once it is provably outside native code.
 */
import { Worker } from 'node:worker_threads';
import { installNativeCallGuard, NativeCallGuard, terminateOutsideNative } from '../../../native/native-call-guard';

export interface LaneStats {
  postedFrames: number;
  droppedFrames: number;
  droppedBlocks: number;
  inFlightFrames: number;
}

/** Messages a lane worker sends back. */
export type LaneReply<E> = { type: 'event'; event: E };

/** What a lane's worker gets as its workerData. */
interface LaneWorkerData {
  job: unknown;
  /** One BigInt64: frames the worker has processed (or dropped after a failure). */
  processed: SharedArrayBuffer;
  /** The thread's native call guard (native/native-call-guard.ts). */
  nativeCalls: SharedArrayBuffer;
}

/**
 * The worker's end of a lane: its job, and `acknowledge`, required after each processed block.
 * Call it first thing: it puts the thread's koffi calls under the lane's guard.
 */
export function laneWorkerEnd<Job>(workerData: unknown): { job: Job; acknowledge(frames: number): void } {
  const data = workerData as LaneWorkerData;
  installNativeCallGuard(data.nativeCalls);
  const processed = new BigInt64Array(data.processed);
  return { job: data.job as Job, acknowledge: (frames) => void Atomics.add(processed, 0, BigInt(frames)) };
}

export class WorkerLane<Command, Event> {
  private readonly worker: Worker;
  /** Blocks gathered into one message: each postMessage costs far more than copying audio. */
  private batch: Float32Array | undefined;
  private batchFrames = 0;
  private batchSamples = 0;
  private readonly stats: Omit<LaneStats, 'inFlightFrames'> = { postedFrames: 0, droppedFrames: 0, droppedBlocks: 0 };
  private readonly processed = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly nativeCalls = new NativeCallGuard();
  private exited = false;
  private readonly exitPromise: Promise<number>;

  constructor(
    entry: string,
    workerData: unknown,
    private readonly maxInFlightFrames: number,
    onEvent: (event: Event) => void,
    onError: (error: Error) => void,
    /** Frames gathered before a post (0: post every block). */
    private readonly postEveryFrames = 0,
  ) {
    const data: LaneWorkerData = { job: workerData, processed: this.processed.buffer as SharedArrayBuffer, nativeCalls: this.nativeCalls.buffer };
    this.worker = new Worker(entry, { workerData: data });
    this.worker.on('message', (reply: LaneReply<Event>) => onEvent(reply.event));
    this.worker.on('error', onError);
    this.exitPromise = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.exited = true;
        resolve(code);
      }),
    );
  }

  /**
   * Takes a block of `frames` frames (copied: the caller reuses its buffer). Returns false,
   * and counts it, when the worker is too far behind and the block was dropped.
   */
  postAudio(samples: Float32Array, frames: number): boolean {
    if (this.exited) return false;
    if (this.inFlightFrames() + this.batchFrames + frames > this.maxInFlightFrames) {
      this.stats.droppedFrames += frames;
      this.stats.droppedBlocks += 1;
      return false;
    }
    if (this.postEveryFrames <= 0) {
      this.send(samples.slice(), frames);
      return true;
    }
    const channels = samples.length / frames;
    const capacity = Math.max(this.postEveryFrames, frames) * channels * 2;
    if (!this.batch || this.batch.length < this.batchSamples + samples.length) {
      const grown = new Float32Array(Math.max(capacity, this.batchSamples + samples.length));
      if (this.batch) grown.set(this.batch.subarray(0, this.batchSamples));
      this.batch = grown;
    }
    this.batch.set(samples, this.batchSamples);
    this.batchSamples += samples.length;
    this.batchFrames += frames;
    if (this.batchFrames >= this.postEveryFrames) this.flushBatch();
    return true;
  }

  private flushBatch(): void {
    if (!this.batch || this.batchFrames === 0) return;
    this.send(this.batch.slice(0, this.batchSamples), this.batchFrames);
    this.batchSamples = 0;
    this.batchFrames = 0;
  }

  /** Frames posted that the worker has not acknowledged yet. */
  private inFlightFrames(): number {
    return Math.max(0, this.stats.postedFrames - Number(Atomics.load(this.processed, 0)));
  }

  private send(samples: Float32Array, frames: number): void {
    this.stats.postedFrames += frames;
    this.worker.postMessage({ type: 'audio', samples, frames }, [samples.buffer as ArrayBuffer]);
  }

  /** Commands act at a point in the audio (a split): what came before goes first. */
  command(command: Command): void {
    if (this.exited) return;
    this.flushBatch();
    this.worker.postMessage({ type: 'command', command });
  }

  snapshot(): LaneStats {
    return { ...this.stats, inFlightFrames: this.inFlightFrames() };
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  /**
   * Asks the worker to finish (it flushes and closes what it owns, then exits) and waits for
   * it; past the deadline the thread is terminated, once it is outside any koffi call (its
   * next call throws instead of entering). Resolves once the thread has exited: a thread stuck
   * forever inside a library call would keep this waiting, and is bounded by the host killing
   * the engine process at its shutdown deadline, not by terminate().
   */
  async stop(signal: AbortSignal): Promise<'joined' | 'terminated'> {
    if (this.exited) return 'joined';
    this.flushBatch(); // the last fraction of a batch belongs in the file too
    const terminate = (): void => void terminateOutsideNative(this.worker, this.nativeCalls, this.exitPromise);
    signal.addEventListener('abort', terminate, { once: true });
    if (signal.aborted) terminate(); // no time left at all: no 'abort' event will come
    this.worker.postMessage({ type: 'stop' });
    await this.exitPromise;
    signal.removeEventListener('abort', terminate);
    return signal.aborted ? 'terminated' : 'joined';
  }
}
