/**
 * A lane from the audio thread to a worker thread (an encoder, a recorder) that can never
 * stall the audio: blocks are posted without waiting, the worker acknowledges what it has
 * processed, and when more than `maxInFlightFrames` are outstanding the new block is dropped
 * and counted instead of queued. The lane is joined on stop, for the resource registry.
 */
import { Worker } from 'node:worker_threads';

export interface LaneStats {
  postedFrames: number;
  droppedFrames: number;
  droppedBlocks: number;
  inFlightFrames: number;
}

/** Messages a lane worker sends back. `ack` is required after each processed block. */
export type LaneReply<E> = { type: 'ack'; frames: number } | { type: 'event'; event: E };

export class WorkerLane<Command, Event> {
  private readonly worker: Worker;
  private readonly stats: LaneStats = { postedFrames: 0, droppedFrames: 0, droppedBlocks: 0, inFlightFrames: 0 };
  private exited = false;
  private readonly exitPromise: Promise<number>;

  constructor(
    entry: string,
    workerData: unknown,
    private readonly maxInFlightFrames: number,
    onEvent: (event: Event) => void,
    onError: (error: Error) => void,
  ) {
    this.worker = new Worker(entry, { workerData });
    this.worker.on('message', (reply: LaneReply<Event>) => {
      if (reply.type === 'ack') this.stats.inFlightFrames = Math.max(0, this.stats.inFlightFrames - reply.frames);
      else onEvent(reply.event);
    });
    this.worker.on('error', onError);
    this.exitPromise = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.exited = true;
        resolve(code);
      }),
    );
  }

  /** Posts a block of `frames` frames; returns false (and counts it) when it was dropped. */
  postAudio(samples: Float32Array, frames: number): boolean {
    if (this.exited) return false;
    if (this.stats.inFlightFrames + frames > this.maxInFlightFrames) {
      this.stats.droppedFrames += frames;
      this.stats.droppedBlocks += 1;
      return false;
    }
    this.stats.inFlightFrames += frames;
    this.stats.postedFrames += frames;
    // Copy into a transferable buffer: the caller's block is reused by the next stage.
    const copy = samples.slice();
    this.worker.postMessage({ type: 'audio', samples: copy, frames }, [copy.buffer]);
    return true;
  }

  command(command: Command): void {
    if (!this.exited) this.worker.postMessage({ type: 'command', command });
  }

  snapshot(): LaneStats {
    return { ...this.stats };
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  /**
   * Asks the worker to finish (it flushes and closes what it owns, then exits) and waits for
   * it; past the deadline the thread is terminated. Resolves once the thread has exited.
   */
  async stop(signal: AbortSignal): Promise<'joined' | 'terminated'> {
    if (this.exited) return 'joined';
    const terminate = (): void => void this.worker.terminate();
    signal.addEventListener('abort', terminate, { once: true });
    this.worker.postMessage({ type: 'stop' });
    await this.exitPromise;
    signal.removeEventListener('abort', terminate);
    return signal.aborted ? 'terminated' : 'joined';
  }
}
