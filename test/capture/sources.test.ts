/**
 * The generated sources (tone, silence), channel mapping and the two-input mix, on synthetic
 * blocks: exact frame counts under a manual clock, frequency and level of the tone.
 */
import { describe, it, expect } from 'vitest';
import type { AudioBlock } from '../../main/engine/audio/audio-format';
import { mapChannels, inputChannelsNeeded, checkChannelMap } from '../../main/engine/audio/sources/channel-map';
import { createSilenceSource, createToneSource } from '../../main/engine/audio/sources/tone-source';
import { MixedSource, crossfadeGains } from '../../main/engine/audio/sources/mixed-source';
import { GeneratorSource } from '../../main/engine/audio/sources/generator-source';
import { channel, concat, sineFrequency, sinePeakDbfs } from './signal-analysis';

class ManualClock {
  t = 1000;
  now = (): number => this.t;
}

function collect(source: { onBlock(l: (b: AudioBlock) => void): void }): AudioBlock[] {
  const blocks: AudioBlock[] = [];
  source.onBlock((b) => blocks.push({ ...b, samples: b.samples.slice() }));
  return blocks;
}

function expectContinuous(blocks: AudioBlock[]): number {
  let next = 0;
  for (const b of blocks) {
    expect(b.frameIndex).toBe(next);
    next += b.samples.length / b.format.channels;
  }
  return next;
}

describe('generated sources', () => {
  for (const kind of ['tone', 'silence'] as const) {
    it(`${kind}: exactly rate x seconds frames, continuous indexes, whatever the tick jitter`, async () => {
      const clock = new ManualClock();
      const format = { sampleRate: 44100, channels: 2 };
      const source = kind === 'tone' ? createToneSource({ format, clock, manualTicks: true }) : createSilenceSource({ format, clock, manualTicks: true });
      const blocks = collect(source);
      await source.start();
      // 10 s in uneven steps (1..37 ms, a late 900 ms one): the total must still be exact.
      let elapsed = 0;
      for (let i = 0; elapsed < 10_000; i++) {
        const step = i === 100 ? 900 : 1 + ((i * 7) % 37);
        const s = Math.min(step, 10_000 - elapsed);
        clock.t += s;
        elapsed += s;
        source.tick();
      }
      await source.stop();
      expect(expectContinuous(blocks)).toBe(441_000);
      expect(Math.max(...blocks.map((b) => b.samples.length / 2))).toBeLessThanOrEqual(882);
      if (kind === 'silence') expect(blocks.every((b) => b.samples.every((v) => v === 0))).toBe(true);
    });
  }

  it('tone: 997 Hz at the set level, phase continuous across blocks, both channels equal', async () => {
    const clock = new ManualClock();
    const source = createToneSource({ format: { sampleRate: 48000, channels: 2 }, levelDbfs: -6, clock, manualTicks: true });
    const blocks = collect(source);
    await source.start();
    for (let i = 0; i < 300; i++) {
      clock.t += 10;
      source.tick();
    }
    const all = concat(blocks.map((b) => b.samples));
    const left = channel(all, 2, 0);
    expect(left.length).toBe(144_000);
    expect(channel(all, 2, 1)).toEqual(left);
    expect(sineFrequency(left, 48000)).toBeCloseTo(997, 1);
    expect(sinePeakDbfs(left)).toBeCloseTo(-6, 2);
    // No jump at block joins: the largest step between neighbours is a sine's.
    let maxStep = 0;
    for (let i = 1; i < left.length; i++) maxStep = Math.max(maxStep, Math.abs(left[i]! - left[i - 1]!));
    expect(maxStep).toBeLessThan(0.5 * 2 * Math.PI * (997 / 48000) * 1.01);
  });

  it('paces itself on the real timer (frame count follows the monotonic clock)', async () => {
    const source = createToneSource({ format: { sampleRate: 8000, channels: 1 } });
    const blocks = collect(source);
    const started = performance.now();
    await source.start();
    await new Promise((r) => setTimeout(r, 500));
    await source.stop();
    const elapsed = performance.now() - started;
    const frames = expectContinuous(blocks);
    // Never ahead of the clock; the exact count is the manual-clock test's job (a loaded
    // machine may run the timer late), so here only "it really ran".
    expect(frames).toBeLessThanOrEqual(Math.ceil((elapsed * 8000) / 1000));
    expect(frames).toBeGreaterThan(((elapsed / 2) * 8000) / 1000);
  });

  it('reports and skips a gap longer than 2 s instead of generating it in one burst', async () => {
    const clock = new ManualClock();
    const source = new GeneratorSource('test', () => {}, { format: { sampleRate: 1000, channels: 1 }, clock, manualTicks: true });
    const blocks = collect(source);
    const warnings: string[] = [];
    source.onStatus((e) => e.type === 'warning' && warnings.push(e.error.code));
    await source.start();
    clock.t += 5000;
    source.tick();
    expect(warnings).toEqual(['AUDIO_SOURCE_SKIPPED']);
    expect(blocks[0]!.frameIndex).toBe(3000);
    expect(blocks.reduce((n, b) => n + b.samples.length, 0)).toBe(2000);
  });
});

describe('channel mapping', () => {
  // 4 input channels; frame i carries values 10*i + channel.
  const input = new Float32Array(12);
  for (let i = 0; i < 3; i++) for (let c = 0; c < 4; c++) input[i * 4 + c] = 10 * i + c;

  it('picks any input channel for Left and Right', () => {
    expect(Array.from(mapChannels(input, 4, { left: 3, right: 1, mono: false }))).toEqual([3, 1, 13, 11, 23, 21]);
    expect(Array.from(mapChannels(input, 4, { left: 2, right: 2, mono: false }))).toEqual([2, 2, 12, 12, 22, 22]);
    expect(inputChannelsNeeded({ left: 3, right: 1, mono: false })).toBe(4);
  });

  it('mono is the average of the two picks', () => {
    expect(Array.from(mapChannels(input, 4, { left: 0, right: 3, mono: true }))).toEqual([1.5, 11.5, 21.5]);
    expect(Array.from(mapChannels(new Float32Array([0.5, -0.5, 1, 1]), 2, { left: 0, right: 1, mono: true }))).toEqual([0, 1]);
  });

  it('refuses a channel the device does not have, saying which', () => {
    expect(checkChannelMap({ left: 0, right: 2, mono: false }, 2)?.message).toMatch(/Right is set to input channel 3, but the device has 2/);
    expect(checkChannelMap({ left: 0, right: 1, mono: false }, 2)).toBeNull();
  });
});

describe('primary + secondary mix', () => {
  it('crossfader: constant power, ends are one input only', () => {
    expect(crossfadeGains(0)).toEqual({ primary: 1, secondary: 0 });
    const end = crossfadeGains(1);
    expect(end.primary).toBeCloseTo(0, 12);
    expect(end.secondary).toBe(1);
    const mid = crossfadeGains(0.5);
    expect(mid.primary ** 2 + mid.secondary ** 2).toBeCloseTo(1, 12);
  });

  it('sums a 44.1 kHz secondary, resampled, into a 48 kHz primary with continuous indexes', async () => {
    const clock = new ManualClock();
    const primary = createToneSource({ format: { sampleRate: 48000, channels: 1 }, frequency: 440, levelDbfs: -6, clock, manualTicks: true });
    const secondary = createToneSource({ format: { sampleRate: 44100, channels: 1 }, frequency: 997, levelDbfs: -6, clock, manualTicks: true });
    const mixed = new MixedSource({ primary, secondary, crossfade: 1 });
    const blocks = collect(mixed);
    expect(await mixed.start()).toBeNull();
    for (let i = 0; i < 200; i++) {
      clock.t += 10;
      secondary.tick(); // the secondary runs ahead by a tick, as a second card may
      primary.tick();
    }
    const frames = expectContinuous(blocks);
    expect(frames).toBe(96_000);
    expect(blocks.every((b) => b.format.sampleRate === 48000)).toBe(true);
    // crossfade 1 = secondary only: 997 Hz at its level, after the resampler's start-up.
    const tail = concat(blocks.map((b) => b.samples)).subarray(48_000);
    expect(sineFrequency(tail, 48000)).toBeCloseTo(997, 0);
    expect(sinePeakDbfs(tail)).toBeCloseTo(-6, 1);
    mixed.setCrossfade(0);
    const before = blocks.length;
    clock.t += 100;
    secondary.tick();
    primary.tick();
    const p = concat(blocks.slice(before).map((b) => b.samples));
    expect(sineFrequency(p, 48000)).toBeGreaterThan(400);
    expect(sineFrequency(p, 48000)).toBeLessThan(480);
    await mixed.stop(500);
  });

  it('a silent secondary is counted as short, never stalls the primary', async () => {
    const clock = new ManualClock();
    const primary = createSilenceSource({ format: { sampleRate: 8000, channels: 2 }, clock, manualTicks: true });
    const secondary = createSilenceSource({ format: { sampleRate: 8000, channels: 2 }, clock, manualTicks: true });
    const mixed = new MixedSource({ primary, secondary });
    const blocks = collect(mixed);
    await mixed.start();
    clock.t += 1000;
    primary.tick();
    expect(expectContinuous(blocks)).toBe(8000);
    expect(mixed.stats.secondaryShortFrames).toBe(8000);
    await mixed.stop(100);
  });
});
