/** A queue of interleaved frames: written in blocks, read in any count (zeros when short). */
export class SampleFifo {
  private chunks: Float32Array[] = [];
  private offset = 0;
  private frames = 0;

  constructor(private readonly channels: number) {}

  get length(): number {
    return this.frames;
  }

  push(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.chunks.push(samples);
    this.frames += samples.length / this.channels;
  }

  /** Fills `out` from the front; returns how many frames were really there (the rest is 0). */
  readInto(out: Float32Array): number {
    const wanted = out.length;
    let written = 0;
    while (written < wanted && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const n = Math.min(wanted - written, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + n), written);
      written += n;
      this.offset += n;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    out.fill(0, written);
    const frames = written / this.channels;
    this.frames -= frames;
    return frames;
  }

  /** Drops the oldest frames so at most `maxFrames` remain; returns how many were dropped. */
  trimTo(maxFrames: number): number {
    const excess = this.frames - maxFrames;
    if (excess <= 0) return 0;
    this.readInto(new Float32Array(excess * this.channels));
    return excess;
  }

  clear(): void {
    this.chunks = [];
    this.offset = 0;
    this.frames = 0;
  }
}
