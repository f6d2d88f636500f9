/**
 * WorkerLane with a real worker thread that holds what it is sent (a consumer that fell
 * behind): the lane drops and counts what exceeds its bound instead of queueing it, and the
 * worker's acknowledgements (a shared counter, no message) free the bound again.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerLane } from '../../main/engine/audio/worker-lane';

const ENTRY = join(__dirname, 'fixtures', 'held-lane-worker.cjs');
const BLOCK_FRAMES = 960;

type Released = { type: 'released'; blocks: { frames: number; firstSample: number }[] };

function block(index: number): Float32Array {
  // Stereo; the first sample tells which block arrived.
  const samples = new Float32Array(BLOCK_FRAMES * 2);
  samples[0] = index;
  return samples;
}

describe('WorkerLane', () => {
  it('drops and counts blocks past its bound while the worker holds them, and takes blocks again once they are acknowledged', async () => {
    const events: Released[] = [];
    const errors: Error[] = [];
    const lane = new WorkerLane<{ type: 'release' }, Released>(ENTRY, {}, 5 * BLOCK_FRAMES, (event) => events.push(event), (error) => errors.push(error));
    try {
      const accepted = Array.from({ length: 8 }, (_, i) => lane.postAudio(block(i), BLOCK_FRAMES));
      expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
      expect(lane.snapshot()).toEqual({ postedFrames: 5 * BLOCK_FRAMES, droppedFrames: 3 * BLOCK_FRAMES, droppedBlocks: 3, inFlightFrames: 5 * BLOCK_FRAMES });

      lane.command({ type: 'release' });
      for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(events[0]?.blocks.map((b) => b.firstSample)).toEqual([0, 1, 2, 3, 4]);
      expect(lane.snapshot().inFlightFrames).toBe(0);

      expect(lane.postAudio(block(8), BLOCK_FRAMES)).toBe(true);
      expect(lane.snapshot()).toMatchObject({ postedFrames: 6 * BLOCK_FRAMES, droppedFrames: 3 * BLOCK_FRAMES, inFlightFrames: BLOCK_FRAMES });
    } finally {
      expect(await lane.stop(AbortSignal.timeout(5000))).toBe('joined');
    }
    expect(errors).toEqual([]);
  });
});
