/**
 * MPEG audio (MP3) and ADTS (AAC) frame headers: enough to cut an encoder's byte stream into
 * whole frames and to know how many samples each one carries.
 */

import { concatBytes } from './bytes';

export interface FrameInfo {
  /** Bytes in the frame, header included. */
  length: number;
  /** PCM frames (per channel) the frame decodes to. */
  samples: number;
  sampleRate: number;
}

const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_L3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MPEG1_RATES = [44100, 48000, 32000];

/** Parses an MPEG-1/2/2.5 Layer III header at `offset`; null if there is no valid one. */
export function parseMp3Header(bytes: Uint8Array, offset = 0): FrameInfo | null {
  if (bytes.length - offset < 4) return null;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 3; // 0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1
  const layer = (b1 >> 1) & 3; // 1: Layer III
  if (version === 1 || layer !== 1) return null;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const padding = (b2 >> 1) & 1;
  const mpeg1 = version === 3;
  const kbps = (mpeg1 ? MPEG1_L3_KBPS : MPEG2_L3_KBPS)[bitrateIndex]!;
  const sampleRate = MPEG1_RATES[rateIndex]! / (mpeg1 ? 1 : version === 2 ? 2 : 4);
  const samples = mpeg1 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
  return { length, samples, sampleRate };
}

const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Parses an ADTS header at `offset`; null if there is no valid one (or it is not all there). */
export function parseAdtsHeader(bytes: Uint8Array, offset = 0): FrameInfo | null {
  if (bytes.length - offset < 7) return null;
  if (bytes[offset] !== 0xff || (bytes[offset + 1]! & 0xf6) !== 0xf0) return null;
  const b2 = bytes[offset + 2]!;
  const sampleRate = ADTS_RATES[(b2 >> 2) & 0xf];
  if (sampleRate === undefined) return null;
  const length = ((bytes[offset + 3]! & 0x03) << 11) | (bytes[offset + 4]! << 3) | (bytes[offset + 5]! >> 5);
  const rawBlocks = (bytes[offset + 6]! & 0x03) + 1;
  if (length < 7) return null;
  return { length, samples: 1024 * rawBlocks, sampleRate };
}

export interface SplitFrames {
  /** Whole frames, back to back. */
  bytes: Uint8Array;
  frames: FrameInfo[];
}

/**
 * Buffers an encoder's output and releases it in whole frames. Bytes before the first valid
 * header (never expected from LAME or ffmpeg) are skipped so a stream always starts on a sync.
 */
export class FrameSplitter {
  private pending = new Uint8Array(0);
  skippedBytes = 0;

  constructor(private readonly parse: (bytes: Uint8Array, offset: number) => FrameInfo | null) {}

  push(bytes: Uint8Array): SplitFrames {
    if (bytes.length > 0) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending, 0);
      joined.set(bytes, this.pending.length);
      this.pending = joined;
    }
    const frames: FrameInfo[] = [];
    const parts: Uint8Array[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 4) {
      const info = this.parse(this.pending, offset);
      if (!info) {
        if (this.pending.length - offset < 7) break; // maybe an ADTS header not all there yet
        offset++;
        this.skippedBytes++;
        continue;
      }
      if (this.pending.length - offset < info.length) break;
      frames.push(info);
      parts.push(this.pending.subarray(offset, offset + info.length));
      offset += info.length;
    }
    const out = concatBytes(parts);
    this.pending = this.pending.slice(offset);
    return { bytes: out, frames };
  }

  /** Bytes still waiting for the rest of their frame. */
  get leftover(): number {
    return this.pending.length;
  }
}
