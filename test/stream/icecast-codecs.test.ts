/**
 * Every codec reaches a real Icecast 2.4 by PUT and by SOURCE, all eight servers at once from
 * one tone (four encoders, each shared by two servers), and an ffmpeg listener on every mount
 * decodes 997 Hz at the tone's level.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Icecast } from '../helpers/icecast';
import { measureTone } from '../encoders/audio-check';
import { killListeners, listen, RATE, TONE_DBFS, toneRig, until, type Rig } from './stream-rig';
import type { EncoderSettings } from '../../main/engine/audio/encoders/encoder-settings';
import { EncoderSettingsSchema } from '../../main/engine/audio/encoders/encoder-settings';

let icecast: Icecast;
let rig: Rig | undefined;
beforeAll(async () => {
  icecast = await Icecast.start();
});
afterAll(async () => {
  await icecast?.remove();
});
afterEach(async () => {
  killListeners();
  await rig?.close();
  rig = undefined;
});

const CODECS: [string, EncoderSettings][] = [
  ['mp3', EncoderSettingsSchema.parse({ codec: 'mp3', bitrateKbps: 128 })],
  ['vorbis', EncoderSettingsSchema.parse({ codec: 'vorbis' })],
  ['opus', EncoderSettingsSchema.parse({ codec: 'opus' })],
  ['ogg-flac', EncoderSettingsSchema.parse({ codec: 'ogg-flac' })],
];

describe('Icecast source client', () => {
  it('MP3, Ogg Vorbis, Ogg Opus and Ogg FLAC by PUT and by SOURCE: every listener decodes the tone', async () => {
    rig = await toneRig();
    const names: string[] = [];
    for (const [codec, settings] of CODECS) {
      for (const protocol of ['put', 'source'] as const) {
        const name = `${codec}-${protocol}`;
        names.push(name);
        const error = await rig.manager.start({ name, address: '127.0.0.1', port: icecast.port, password: 'hackme', mount: `/${name}`, protocol, codec: settings });
        expect(error, JSON.stringify(error)).toBeUndefined();
      }
    }
    const r = rig;
    expect(await until(() => names.every((n) => r.manager.state(n)?.state === 'connected'), 15_000)).toBe(true);
    expect((await icecast.mounts()).sort()).toEqual(names.map((n) => `/${n}`).sort());
    // Four encoder threads, not eight: equal settings share one.
    expect(r.registry.list().filter((res) => res.label.endsWith('stream encoder'))).toHaveLength(4);
    expect(r.registry.list().filter((res) => res.stage === 'streams')).toHaveLength(8);

    const heard = await Promise.all(names.map((n) => listen(icecast.url(`/${n}`), 1.5)));
    for (const [i, name] of names.entries()) {
      const { samples, stderr } = heard[i]!;
      expect(samples.length / 2, `${name}: ${stderr} ${JSON.stringify(r.manager.stats()[name])} ${JSON.stringify(r.states.get(name))}`).toBeGreaterThanOrEqual(RATE * 1.4);
      const tone = measureTone(samples, RATE);
      expect(tone.hz[0], name).toBeCloseTo(997, 0);
      expect(tone.rmsDb[0], name).toBeCloseTo(TONE_DBFS - 3.01, 0);
    }
    const stats = r.manager.stats();
    for (const name of names) {
      expect(stats[name]!.bytesSent, name).toBeGreaterThan(1000);
      expect(stats[name]!.droppedFrames, name).toBe(0);
      expect(stats[name]!.connectedSince, name).toBeTruthy();
    }
    const sample = stats['mp3-put']!;
    expect(sample.bitrateKbps).toBeGreaterThan(100);
    expect(sample.bitrateKbps).toBeLessThan(200);
    // PUT was used where asked (Icecast 2.4 accepts it), SOURCE where asked.
    expect(r.states.get('mp3-put')!.find((s) => s.state === 'connected')).toMatchObject({ protocol: 'put' });
    expect(r.states.get('mp3-source')!.find((s) => s.state === 'connected')).toMatchObject({ protocol: 'source' });
  });
});
