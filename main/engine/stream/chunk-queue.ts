/**
 * The audio waiting for one server's uplink, bounded in frames (about 10 s) and bytes. When
 * the uplink stalls, the oldest whole chunks are dropped and counted: a chunk is a whole MP3
 * frame run or whole Ogg pages, so what still reaches the server stays decodable. Header
 * chunks are never dropped (a listener cannot decode without them).
 */
import type { EncodedChunk } from '../audio/encoder';

export interface QueueStats {
  queuedFrames: number;
  queuedBytes: number;
  droppedFrames: number;
  droppedBytes: number;
  droppedChunks: number;
}

export class ChunkQueue {
  private items: EncodedChunk[] = [];
  private head = 0;
  private frames = 0;
  private bytes = 0;
  private dropped = { frames: 0, bytes: 0, chunks: 0 };

  constructor(
    private readonly maxFrames: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(chunk: EncodedChunk): void {
    this.items.push(chunk);
    this.frames += chunk.frames;
    this.bytes += chunk.bytes.length;
    while ((this.frames > this.maxFrames || this.bytes > this.maxBytes) && this.dropOldestAudio()) {
      // keep dropping until within bounds
    }
  }

  shift(): EncodedChunk | undefined {
    if (this.head >= this.items.length) return undefined;
    const chunk = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as EncodedChunk;
    this.head += 1;
    this.frames -= chunk.frames;
    this.bytes -= chunk.bytes.length;
    this.compact();
    return chunk;
  }

  /** Empties the queue without counting drops (the connection it was meant for is gone). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.frames = 0;
    this.bytes = 0;
  }

  stats(): QueueStats {
    return {
      queuedFrames: this.frames,
      queuedBytes: this.bytes,
      droppedFrames: this.dropped.frames,
      droppedBytes: this.dropped.bytes,
      droppedChunks: this.dropped.chunks,
    };
  }

  private dropOldestAudio(): boolean {
    for (let i = this.head; i < this.items.length; i++) {
      const chunk = this.items[i]!;
      if (chunk.header) continue;
      if (i === this.head) {
        this.items[i] = undefined as unknown as EncodedChunk;
        this.head += 1;
      } else {
        this.items.splice(i, 1);
      }
      this.frames -= chunk.frames;
      this.bytes -= chunk.bytes.length;
      this.dropped.frames += chunk.frames;
      this.dropped.bytes += chunk.bytes.length;
      this.dropped.chunks += 1;
      this.compact();
      return true;
    }
    return false;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
