/**
 * Counts input frames against encoded output so every chunk can say how many input frames it
 * completes (`EncodedChunk.frames`). The codec reports how far its output reaches in input
 * frames (decoded position minus its delay); chunks never claim more than was put in, and the
 * final flush claims the rest, so the chunks of a stream add up to exactly the input.
 */
export class FrameLedger {
  private input = 0;
  private reported = 0;

  addInput(frames: number): void {
    this.input += frames;
  }

  get inputFrames(): number {
    return this.input;
  }

  /** Frames newly completed now that the output reaches `covered` input frames. */
  claim(covered: number): number {
    const reach = Math.min(Math.max(0, Math.floor(covered)), this.input);
    if (reach <= this.reported) return 0;
    const frames = reach - this.reported;
    this.reported = reach;
    return frames;
  }

  /** At end of stream: everything not yet claimed. */
  claimRest(): number {
    return this.claim(this.input);
  }
}
