/** Reads a PCM WAV (16/24/32-bit integer) and checks a sine for glitches. Test helper. */
import { readFileSync } from 'node:fs';

export interface Wav {
  channels: number;
  rate: number;
  bits: number;
  /** Channel 0, scaled to -1..1. */
  first: Float64Array;
  frames: number;
}

export function readWav(path: string): Wav {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') throw new Error(`${path} is not a WAV file`);
  let offset = 12;
  let channels = 0;
  let rate = 0;
  let bits = 0;
  while (offset + 8 <= b.length) {
    const id = b.toString('latin1', offset, offset + 4);
    let size = b.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      channels = b.readUInt16LE(body + 2);
      rate = b.readUInt32LE(body + 4);
      bits = b.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (size === 0 || size === 0xffffffff || body + size > b.length) size = b.length - body; // streamed header
      const bytes = bits / 8;
      const frames = Math.floor(size / (bytes * channels));
      const first = new Float64Array(frames);
      const full = 2 ** (bits - 1);
      for (let i = 0; i < frames; i++) first[i] = b.readIntLE(body + i * bytes * channels, bytes) / full;
      return { channels, rate, bits, first, frames };
    }
    offset = body + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

/**
 * For a pure sine, x[n+1] + x[n-1] = 2 cos(w) x[n]. The largest deviation from that over the
 * tone shows any lost packet, silence gap or jump (a 1 ms gap of a 997 Hz tone is a step of
 * up to the full amplitude). Analyses from the first sample above 0.1 (the stream starts
 * with silence while the sender's buffer fills).
 */
export function toneGlitch(samples: Float64Array, rate: number, hz: number): { start: number; analysed: number; maxResidual: number; at: number } {
  const c = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let start = samples.findIndex((v) => Math.abs(v) > 0.1);
  if (start < 0) return { start: -1, analysed: 0, maxResidual: Infinity, at: -1 };
  start += 10;
  let maxResidual = 0;
  let at = -1;
  for (let n = start; n < samples.length - 1; n++) {
    const r = Math.abs(samples[n + 1]! + samples[n - 1]! - c * samples[n]!);
    if (r > maxResidual) {
      maxResidual = r;
      at = n;
    }
  }
  return { start, analysed: samples.length - 1 - start, maxResidual, at };
}
