/**
 * Picks the pipeline's channels from a device's: any input channel for Left and Right,
 * stereo, or mono as the average of the two picks (BUTT's left_ch / right_ch / channel).
 */
import type { AppError } from '../../../shared/errors';
import { appError } from '../../../shared/errors';

export interface ChannelMap {
  /** Input channel (0-based) for Left. */
  left: number;
  /** Input channel (0-based) for Right. */
  right: number;
  /** One output channel: (L + R) / 2. */
  mono: boolean;
}

export const STEREO_MAP: ChannelMap = { left: 0, right: 1, mono: false };

export function outputChannels(map: ChannelMap): number {
  return map.mono ? 1 : 2;
}

/** How many channels to open on the device for this map. */
export function inputChannelsNeeded(map: ChannelMap): number {
  return Math.max(map.left, map.right) + 1;
}

export function checkChannelMap(map: ChannelMap, deviceChannels: number): AppError | null {
  for (const [side, channel] of [['Left', map.left], ['Right', map.right]] as const) {
    if (!Number.isInteger(channel) || channel < 0 || channel >= deviceChannels) {
      return appError('AUDIO_CHANNEL_MAP', `${side} is set to input channel ${channel + 1}, but the device has ${deviceChannels}`);
    }
  }
  return null;
}

/** Maps interleaved `input` (inChannels per frame) to a new interleaved array, or returns `input` when it already is stereo L/R. */
export function mapChannels(input: Float32Array, inChannels: number, map: ChannelMap): Float32Array {
  const frames = Math.floor(input.length / inChannels);
  const { left, right } = map;
  // Stereo in, left = 0, right = 1: already in shape (the capture hands over a fresh array per block).
  if (!map.mono && inChannels === 2 && left === 0 && right === 1 && input.length === frames * 2) return input;
  if (map.mono) {
    const out = new Float32Array(frames);
    for (let i = 0, j = 0; i < frames; i++, j += inChannels) out[i] = (input[j + left]! + input[j + right]!) * 0.5;
    return out;
  }
  const out = new Float32Array(frames * 2);
  for (let i = 0, j = 0; i < frames; i++, j += inChannels) {
    out[2 * i] = input[j + left]!;
    out[2 * i + 1] = input[j + right]!;
  }
  return out;
}
