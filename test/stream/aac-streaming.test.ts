/**
 * AAC streaming (the system ffmpeg as encoder, ADTS on the wire) to real servers: Icecast by PUT
 * and by SOURCE, Icecast's Shoutcast v1 port, and Liquidsoap harbor (its libfaad decoder is the
 * listener there). ffmpeg listeners decode 997 Hz at the tone's level. HE-AAC is streamed where
 * this ffmpeg has libfdk_aac, and otherwise refused before connecting, with the reason.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Icecast } from '../helpers/icecast';
import { Liquidsoap, LIQUIDSOAP_RATE } from '../helpers/liquidsoap';
import { measureTone } from '../encoders/audio-check';
import { killListeners, lastState, listen, RATE, TONE_DBFS, toneRig, until, type Rig } from './stream-rig';
import { probeFfmpegAac, type FfmpegAac } from '../../main/engine/audio/encoders/ffmpeg-probe';

let icecast: Icecast;
let liquidsoap: Liquidsoap;
let rig: Rig;
let ffmpeg: FfmpegAac | null;
beforeAll(async () => {
  [icecast, liquidsoap, rig, ffmpeg] = await Promise.all([
    Icecast.start({ shoutcastMount: '/sc.aac' }),
    Liquidsoap.start({ mounts: ['aac-put', 'aac-source'] }),
    toneRig(),
    probeFfmpegAac(),
  ]);
});
afterEach(async () => {
  killListeners();
  await rig.manager.stopAll();
});
afterAll(async () => {
  await rig?.close();
  await Promise.all([icecast?.remove(), liquidsoap?.remove()]);
});

function expectTone(samples: Float32Array, rate: number, label: string): void {
  const tone = measureTone(samples, rate);
  expect(tone.hz[0], label).toBeCloseTo(997, 0);
  expect(tone.hz[1], label).toBeCloseTo(997, 0);
  expect(tone.rmsDb[0], label).toBeCloseTo(TONE_DBFS - 3.01, 0);
}

describe('AAC-LC', () => {
  it('reaches Icecast by PUT and by SOURCE and its Shoutcast v1 port; every listener decodes the tone', async () => {
    const servers = [
      { name: 'aac-put', protocol: 'put', mount: '/aac-put' },
      { name: 'aac-source', protocol: 'source', mount: '/aac-source' },
    ] as const;
    for (const s of servers) {
      const error = await rig.manager.start({ ...s, address: '127.0.0.1', port: icecast.port, password: 'hackme', codec: { codec: 'aac', profile: 'lc', bitrateKbps: 128 } });
      expect(error, JSON.stringify(error)).toBeUndefined();
    }
    const scError = await rig.manager.start({ name: 'aac-sc', type: 'shoutcast', address: '127.0.0.1', port: icecast.port, password: 'hackme', codec: { codec: 'aac', profile: 'lc', bitrateKbps: 128 } });
    expect(scError, JSON.stringify(scError)).toBeUndefined();
    const names = ['aac-put', 'aac-source', 'aac-sc'];
    expect(await until(() => names.every((n) => rig.manager.state(n)?.state === 'connected'), 15_000)).toBe(true);
    expect(lastState(rig, 'aac-put')).toMatchObject({ protocol: 'put' });
    expect(lastState(rig, 'aac-source')).toMatchObject({ protocol: 'source' });
    expect(lastState(rig, 'aac-sc')).toMatchObject({ protocol: 'shoutcast' });
    expect((await icecast.mounts()).sort()).toEqual(['/aac-put', '/aac-source', '/sc.aac']);

    const urls = ['/aac-put', '/aac-source', '/sc.aac'];
    const heard = await Promise.all(urls.map((u) => listen(icecast.url(u), 1.5)));
    for (const [i, url] of urls.entries()) {
      const { samples, stderr } = heard[i]!;
      expect(samples.length / 2, `${url}: ${stderr}`).toBeGreaterThanOrEqual(RATE * 1.4);
      expectTone(samples, RATE, url);
    }
    // The meter's 5 s window first holds the backlog sent at connect: read it once that has
    // passed. 128 kbps asked; ffmpeg's AAC encoder gives ~131 kbps of ADTS for this tone.
    const since = Date.parse(rig.manager.stats()['aac-put']!.connectedSince!);
    await new Promise((r) => setTimeout(r, Math.max(0, since + 6000 - Date.now())));
    const stats = rig.manager.stats();
    for (const name of names) {
      expect(stats[name]!.droppedFrames, name).toBe(0);
      expect(stats[name]!.bitrateKbps, name).toBeGreaterThan(110);
      expect(stats[name]!.bitrateKbps, name).toBeLessThan(150);
    }
  });

  it('reaches Liquidsoap harbor by PUT and by SOURCE: Liquidsoap decodes the tone', async () => {
    const servers = [
      { name: 'aac-put', protocol: 'put' },
      { name: 'aac-source', protocol: 'source' },
    ] as const;
    for (const s of servers) {
      const error = await rig.manager.start({ ...s, address: '127.0.0.1', port: liquidsoap.port, password: 'hackme', mount: `/${s.name}`, codec: { codec: 'aac', profile: 'lc', bitrateKbps: 128 } });
      expect(error, JSON.stringify(error)).toBeUndefined();
    }
    const wanted = 2 * LIQUIDSOAP_RATE * 2 * 2; // 2 s of s16 stereo
    expect(await until(() => servers.every((s) => liquidsoap.decodedBytes(s.name) >= wanted), 20_000, 100), liquidsoap.log.slice(-2000)).toBe(true);
    for (const s of servers) {
      expect(rig.manager.state(s.name)?.state, s.name).toBe('connected');
      const samples = liquidsoap.decoded(s.name);
      expectTone(samples.subarray(samples.length - 1.5 * LIQUIDSOAP_RATE * 2), LIQUIDSOAP_RATE, s.name);
    }
  });
});

describe('HE-AAC', () => {
  it('streams where ffmpeg has libfdk_aac, else is refused before connecting with the reason', async () => {
    const error = await rig.manager.start({ name: 'he', address: '127.0.0.1', port: icecast.port, password: 'hackme', mount: '/he', codec: { codec: 'aac', profile: 'he', bitrateKbps: 64 } });
    if (!ffmpeg?.fdkAac) {
      expect(error).toMatchObject({ code: 'STREAM_ENCODER_FAILED', message: expect.stringMatching(/HE-AAC needs an ffmpeg built with libfdk_aac/) });
      // Nothing reached the server.
      expect(await icecast.mounts()).not.toContain('/he');
      return;
    }
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(await until(() => rig.manager.state('he')?.state === 'connected', 15_000)).toBe(true);
    const { samples, stderr } = await listen(icecast.url('/he'), 1.5);
    expect(samples.length / 2, stderr).toBeGreaterThanOrEqual(RATE * 1.4);
    expectTone(samples, RATE, 'he');
  });
});
