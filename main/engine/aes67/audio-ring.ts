/**
 * A single-producer, single-consumer ring of interleaved 48 kHz float frames in shared memory:
 * the engine's audio thread writes, the pacer thread reads. Neither side ever waits; a full
 * ring drops the newest frames (counted by the caller), an empty one makes the pacer send
 * silence.
 */
const WRITE = 0;
const READ = 1;
const CHANNELS = 2;
const CAPACITY = 3;
const HEADER_BYTES = 16;

export class SharedAudioRing {
  readonly buffer: SharedArrayBuffer;
  readonly channels: number;
  readonly capacityFrames: number;
  private readonly header: Int32Array;
  private readonly data: Float32Array;

  static create(channels: number, capacityFrames: number): SharedAudioRing {
    const buffer = new SharedArrayBuffer(HEADER_BYTES + channels * capacityFrames * 4);
    const header = new Int32Array(buffer, 0, 4);
    header[CHANNELS] = channels;
    header[CAPACITY] = capacityFrames;
    return new SharedAudioRing(buffer);
  }

  /** Attaches to a ring created elsewhere (in another thread). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, 4);
    this.channels = this.header[CHANNELS]!;
    this.capacityFrames = this.header[CAPACITY]!;
    this.data = new Float32Array(buffer, HEADER_BYTES, this.channels * this.capacityFrames);
  }

  /** Frames ready to read. Positions run modulo 2 x capacity, so full and empty differ and nothing wraps. */
  fill(): number {
    const span = 2 * this.capacityFrames;
    return (Atomics.load(this.header, WRITE) - Atomics.load(this.header, READ) + span) % span;
  }

  private advance(position: number, frames: number): number {
    return (position + frames) % (2 * this.capacityFrames);
  }

  /** Writes as many whole frames as fit; returns the number written. */
  write(samples: Float32Array): number {
    const ch = this.channels;
    const frames = Math.min(Math.floor(samples.length / ch), this.capacityFrames - this.fill());
    const w = Atomics.load(this.header, WRITE);
    const start = w % this.capacityFrames;
    const first = Math.min(frames, this.capacityFrames - start);
    this.data.set(samples.subarray(0, first * ch), start * ch);
    if (frames > first) this.data.set(samples.subarray(first * ch, frames * ch), 0);
    Atomics.store(this.header, WRITE, this.advance(w, frames)); // publish after the data
    return frames;
  }

  /** Reads exactly `frames` frames into `into`, or nothing (returns false) when fewer are ready. */
  read(into: Float32Array, frames: number): boolean {
    if (this.fill() < frames) return false;
    const ch = this.channels;
    const r = Atomics.load(this.header, READ);
    const start = r % this.capacityFrames;
    const first = Math.min(frames, this.capacityFrames - start);
    into.set(this.data.subarray(start * ch, (start + first) * ch), 0);
    if (frames > first) into.set(this.data.subarray(0, (frames - first) * ch), first * ch);
    Atomics.store(this.header, READ, this.advance(r, frames));
    return true;
  }

  /** Drops up to `frames` frames from the read side (a resync skips the audio it did not send). */
  discard(frames: number): number {
    const n = Math.min(frames, this.fill());
    Atomics.store(this.header, READ, this.advance(Atomics.load(this.header, READ), n));
    return n;
  }
}
