/**
 * No input device at all (this machine has no sound card): the engine's input still runs,
 * on the test tone, and says what is missing. A PortAudio crash in the helper is contained.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioBlock } from '../../main/engine/audio/audio-format';
import { listDevices } from '../../native/audio-input';
import { startInputSource } from '../../main/engine/audio/sources/source-factory';
import { channel, concat, sineFrequency, sinePeakDbfs } from './signal-analysis';

// No sound server to reach, and ALSA's own configuration (no cards on this machine).
const NO_SERVER = { PULSE_SERVER: 'unix:/nonexistent/airtight-test', ALSA_CONFIG_PATH: '/usr/share/alsa/alsa.conf' };

describe('no input device', () => {
  it('runs on the 997 Hz tone and reports AUDIO_INPUT_MISSING', async (ctx) => {
    const listed = await listDevices({ env: NO_SERVER, probeRates: false });
    if ('devices' in listed && listed.devices.length > 0) {
      ctx.skip(`this machine has input devices (${listed.devices.map((d) => d.name).join(', ')})`);
    }
    const started = await startInputSource(
      { source: 'device', deviceName: 'Scarlett 2i2', sampleRate: 44100, channelMap: { left: 0, right: 1, mono: false }, toneLevelDbfs: -10 },
      { capture: { env: NO_SERVER } },
    );
    const blocks: AudioBlock[] = [];
    started.source.onBlock((b) => blocks.push({ ...b, samples: b.samples.slice() }));
    try {
      expect(started.warnings.map((w) => w.code)).toEqual(['AUDIO_INPUT_MISSING']);
      expect(started.warnings[0]!.message).toMatch(/Could not find any audio input device: Airtight is running on the 997 Hz test tone/);
      expect(started.source.description).toBe('tone 997 Hz -10 dBFS');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await started.source.stop(500);
    }
    const left = channel(concat(blocks.map((b) => b.samples)), 2, 0);
    expect(left.length).toBeGreaterThan(4410);
    expect(sineFrequency(left, 44100)).toBeCloseTo(997, 0);
    expect(sinePeakDbfs(left)).toBeCloseTo(-10, 1);
  });

  it('a PortAudio abort in the helper is contained: the engine gets an error and the fallback', async () => {
    // An empty ALSA configuration makes PortAudio fail an assertion (SIGABRT) while listing.
    const dir = mkdtempSync(join(tmpdir(), 'airtight-alsa-'));
    try {
      writeFileSync(join(dir, 'asound.conf'), '');
      const env = { PULSE_SERVER: NO_SERVER.PULSE_SERVER, ALSA_CONFIG_PATH: join(dir, 'asound.conf') };
      const listed = await listDevices({ env });
      expect('error' in listed && listed.error.message).toMatch(/helper ended: SIGABRT/);
      const started = await startInputSource({ source: 'device', sampleRate: 48000, channelMap: { left: 0, right: 1, mono: true }, fallback: 'silence' }, { capture: { env } });
      expect(started.source.description).toBe('silence');
      expect(started.source.format).toEqual({ sampleRate: 48000, channels: 1 });
      expect(started.warnings.map((w) => w.code)).toEqual(['AUDIO_INPUT_UNAVAILABLE']);
      expect(started.warnings[0]!.message).toMatch(/helper ended unexpectedly \(SIGABRT\).*running on silence/);
      await started.source.stop(500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
