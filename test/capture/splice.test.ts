/** Where a second stream joins the first (native/audio-input/splice.ts), on synthetic streams. */
import { describe, it, expect } from 'vitest';
import { findSplice, PROBE_FRAMES } from '../../native/audio-input/splice';

/** Stereo noise-like content, frame i being the same in every "stream" of it. */
function content(from: number, frames: number): Float32Array {
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[2 * i] = Math.fround(Math.sin((from + i) * 0.37) * Math.cos((from + i) * 0.011));
    out[2 * i + 1] = Math.fround(Math.sin((from + i) * 0.53));
  }
  return out;
}

describe('findSplice', () => {
  it('finds how far the old stream already went past the new stream\'s first frame', () => {
    // The old stream delivered frames 1000..2999; the new one starts at frame 2500.
    const search = findSplice(content(1000, 2000), content(2500, PROBE_FRAMES), 2);
    expect(search).toEqual({ found: true, overlapFrames: 500 });
  });

  it('finds nothing while the old stream has not reached the new one\'s start', () => {
    expect(findSplice(content(1000, 2000), content(3100, PROBE_FRAMES), 2)).toEqual({ found: false, featureless: false });
  });

  it('calls digital silence featureless (join at once: nothing audible to lose)', () => {
    expect(findSplice(content(0, 500), new Float32Array(PROBE_FRAMES * 2), 2)).toEqual({ found: false, featureless: true });
  });

  it('a probe one sample off is not found (exact match only)', () => {
    const probe = content(1500, PROBE_FRAMES);
    probe[7] = probe[7]! + 2 ** -20;
    expect(findSplice(content(1000, 2000), probe, 2).found).toBe(false);
  });
});
