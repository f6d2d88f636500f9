/**
 * Beyond Icecast's HTTP sources: a real Liquidsoap harbor (its own decoders are the listener),
 * every codec by PUT and by SOURCE, Liquidsoap's accept-then-drop rejection reported as
 * rejected and never as connected, and the Shoutcast v1 source protocol (MP3) to Icecast's
 * port + 1 (an ffmpeg listener) and to Liquidsoap's icy harbor.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Icecast } from '../helpers/icecast';
import { Liquidsoap, LIQUIDSOAP_RATE } from '../helpers/liquidsoap';
import { measureTone } from '../encoders/audio-check';
import { killListeners, lastState, listen, RATE, TONE_DBFS, toneRig, until, type Rig } from './stream-rig';
import { StreamSender, type SenderState } from '../../main/engine/stream/stream-sender';
import { ServerEntrySchema, StreamInfoSchema } from '../../main/engine/stream/server-settings';

const LIQUIDSOAP_CODECS = [
  ['mp3', { codec: 'mp3', bitrateKbps: 128 }],
  ['vorbis', { codec: 'vorbis' }],
  ['opus', { codec: 'opus' }],
  ['flac', { codec: 'ogg-flac' }],
] as const;

let liquidsoap: Liquidsoap;
let rig: Rig;
beforeAll(async () => {
  const mounts = LIQUIDSOAP_CODECS.flatMap(([name]) => [`${name}-put`, `${name}-source`]);
  [liquidsoap, rig] = await Promise.all([Liquidsoap.start({ mounts: [...mounts, 'strict'] }), toneRig()]);
});
afterEach(async () => {
  killListeners();
  await rig.manager.stopAll();
});
afterAll(async () => {
  await rig?.close();
  await liquidsoap?.remove();
});

describe('Liquidsoap harbor', () => {
  // One protocol at a time: four sources at once is what Liquidsoap decodes in real time on a
  // busy 2-core machine (eight at once made it fall behind and drop sources under load).
  it.each(['put', 'source'] as const)('MP3, Ogg Vorbis, Ogg Opus and Ogg FLAC by %s: Liquidsoap decodes the tone from each', async (protocol) => {
    const servers = LIQUIDSOAP_CODECS.map(([name, codec]) => ({ name: `${name}-${protocol}`, protocol, codec }));
    for (const s of servers) {
      const error = await rig.manager.start({ ...s, address: '127.0.0.1', port: liquidsoap.port, password: 'hackme', mount: `/${s.name}` });
      expect(error, JSON.stringify(error)).toBeUndefined();
    }
    const wanted = 2 * LIQUIDSOAP_RATE * 2 * 2; // 2 s of s16 stereo
    expect(await until(() => servers.every((s) => liquidsoap.decodedBytes(s.name) >= wanted), 20_000, 100), liquidsoap.log.slice(-2000)).toBe(true);
    for (const s of servers) {
      expect(rig.manager.state(s.name)?.state, s.name).toBe('connected');
      // PUT where asked (no fallback to SOURCE), SOURCE where asked.
      expect(rig.states.get(s.name)!.find((st) => st.state === 'connected'), s.name).toMatchObject({ protocol: s.protocol });
      const samples = liquidsoap.decoded(s.name);
      const tone = measureTone(samples.subarray(samples.length - 1.5 * LIQUIDSOAP_RATE * 2), LIQUIDSOAP_RATE);
      expect(tone.hz[0], s.name).toBeCloseTo(997, 0);
      expect(tone.rmsDb[0], s.name).toBeCloseTo(TONE_DBFS - 3.01, 0);
    }
  });

  it('a source Liquidsoap accepts and then drops is reported as rejected, never as connected', async () => {
    const states: SenderState[] = [];
    // A content type its decoders do not take: harbor answers 200 OK, then hangs up.
    const sender = new StreamSender({
      entry: ServerEntrySchema.parse({ name: 'strict', address: '127.0.0.1', port: liquidsoap.port, password: 'hackme', mount: '/strict', reconnectDelaySeconds: 0.3 }),
      info: StreamInfoSchema.parse({}),
      mimeType: 'audio/x-unknown',
      format: { sampleRate: RATE, channels: 2 },
      onState: (state) => states.push(state),
    });
    sender.start();
    try {
      expect(await until(() => states.filter((s) => s.state === 'retrying').length >= 2, 10_000)).toBe(true);
    } finally {
      await sender.stop();
    }
    expect(states.some((s) => s.state === 'connected')).toBe(false);
    const rejections = states.filter((s): s is Extract<SenderState, { state: 'retrying' }> => s.state === 'retrying');
    expect(rejections[0]!.error).toMatchObject({ code: 'STREAM_REJECTED', message: expect.stringMatching(/accepted the source and dropped it/) });
    expect(states.filter((s) => s.state === 'connecting' && s.phase === 'confirming').length).toBeGreaterThanOrEqual(2);
  });
});

describe("Icecast's Shoutcast v1 port", () => {
  let icecast: Icecast;
  beforeAll(async () => {
    icecast = await Icecast.start({ shoutcastMount: '/sc.mp3' });
  });
  afterAll(async () => {
    await icecast?.remove();
  });

  it('MP3 through port + 1 (password line, icy- headers): a listener decodes the tone', async () => {
    const error = await rig.manager.start({ name: 'sc', type: 'shoutcast', address: '127.0.0.1', port: icecast.port, password: 'hackme', codec: { codec: 'mp3', bitrateKbps: 128 } });
    expect(error).toBeUndefined();
    expect(await until(() => rig.manager.state('sc')?.state === 'connected', 10_000)).toBe(true);
    expect(lastState(rig, 'sc')).toMatchObject({ protocol: 'shoutcast' });
    expect(await icecast.mounts()).toContain('/sc.mp3');
    const { samples, stderr } = await listen(icecast.url('/sc.mp3'), 1.5);
    expect(samples.length / 2, stderr).toBeGreaterThanOrEqual(RATE * 1.4);
    const tone = measureTone(samples, RATE);
    expect(tone.hz[0]).toBeCloseTo(997, 0);
    expect(tone.rmsDb[0]).toBeCloseTo(TONE_DBFS - 3.01, 0);
  });
});

describe("Liquidsoap's Shoutcast v1 (icy) harbor", () => {
  let icy: Liquidsoap;
  beforeAll(async () => {
    // A Shoutcast v1 source has no mount: harbor files it under "/" ("No / mountpoint" otherwise).
    icy = await Liquidsoap.start({ mounts: ['/'], icy: true });
  });
  afterAll(async () => {
    await icy?.remove();
  });

  it('MP3 through port + 1: Liquidsoap decodes the tone', async () => {
    const error = await rig.manager.start({ name: 'icy', type: 'shoutcast', address: '127.0.0.1', port: icy.port, password: 'hackme', codec: { codec: 'mp3', bitrateKbps: 128 } });
    expect(error).toBeUndefined();
    const wanted = 2 * LIQUIDSOAP_RATE * 2 * 2; // 2 s of s16 stereo
    expect(await until(() => icy.decodedBytes('/') >= wanted, 20_000, 100), icy.log.slice(-2000)).toBe(true);
    expect(lastState(rig, 'icy')).toMatchObject({ state: 'connected', protocol: 'shoutcast' });
    const samples = icy.decoded('/');
    const tone = measureTone(samples.subarray(samples.length - 1.5 * LIQUIDSOAP_RATE * 2), LIQUIDSOAP_RATE);
    expect(tone.hz[0]).toBeCloseTo(997, 0);
    expect(tone.rmsDb[0]).toBeCloseTo(TONE_DBFS - 3.01, 0);
  });
});
