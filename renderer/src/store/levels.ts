/**
 * The newest meter reading, outside React: `audio.levels` arrives up to 20 times a second and
 * the meters draw it in requestAnimationFrame, so no component re-renders per message.
 */
export interface ChannelLevel {
  peakDb: number;
  peakHoldDb: number;
  rmsDb: number;
}
export interface Levels {
  channels: ChannelLevel[];
  momentaryLufs?: number;
  shortTermLufs?: number;
  /** performance.now() when it arrived, so stale levels fall to the floor. */
  at: number;
}

let latest: Levels | undefined;

export function setLevels(data: unknown): void {
  const value = data as Partial<Levels> | undefined;
  if (!value || !Array.isArray(value.channels)) return;
  latest = { channels: value.channels, momentaryLufs: value.momentaryLufs, shortTermLufs: value.shortTermLufs, at: performance.now() };
}

export function currentLevels(): Levels | undefined {
  return latest;
}
