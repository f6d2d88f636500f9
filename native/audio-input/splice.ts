/**
 * Where a second capture stream of the same device joins the first, to the sample. Two record
 * streams of one PulseAudio source carry bit-identical samples, offset by their latencies, so
 * the new stream's first frames can be found exactly in what the old stream delivered.
 */

/** Frames of the new stream looked for in the old one: long enough to be unique in real audio. */
export const PROBE_FRAMES = 64;

export type SpliceSearch =
  /** The old stream delivered `overlapFrames` of the new stream's content already: skip them. */
  | { found: true; overlapFrames: number }
  /** Silence (or any constant): no place to find, and nothing audible to lose by joining now. */
  | { found: false; featureless: true }
  | { found: false; featureless: false };

/**
 * Looks for `probe` (interleaved, PROBE_FRAMES frames) in `history` (the old stream's latest
 * delivered frames, interleaved, oldest first). The latest exact match wins.
 */
export function findSplice(history: Float32Array, probe: Float32Array, channels: number): SpliceSearch {
  if (isConstant(probe)) return { found: false, featureless: true };
  const probeFrames = probe.length / channels;
  const historyFrames = history.length / channels;
  for (let start = historyFrames - probeFrames; start >= 0; start--) {
    if (matchesAt(history, start * channels, probe)) return { found: true, overlapFrames: historyFrames - start };
  }
  return { found: false, featureless: false };
}

function matchesAt(history: Float32Array, offset: number, probe: Float32Array): boolean {
  for (let i = 0; i < probe.length; i++) if (history[offset + i] !== probe[i]) return false;
  return true;
}

function isConstant(samples: Float32Array): boolean {
  for (let i = 1; i < samples.length; i++) if (samples[i] !== samples[0]) return false;
  return true;
}

/** Joins blocks into one array (small: a handover holds a few hundred ms). */
export function joinBlocks(blocks: Float32Array[]): Float32Array {
  let length = 0;
  for (const b of blocks) length += b.length;
  const out = new Float32Array(length);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
