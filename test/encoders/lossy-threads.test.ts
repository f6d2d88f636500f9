/**
 * The machine's LAME and libvorbis in worker threads (the recorder and the stream encoders run
 * there): koffi loads the libraries per thread. Threads encode beside the main thread, end with
 * an encoder still open, or (the engine's own encoder and recording threads) are stopped past
 * their deadline in the middle of an encode and terminated through their native call guard
 * (issue #3: a thread terminated inside a koffi call aborts the process); the process must
 * survive all of it and every finished stream must decode (ffmpeg) to the tone at full length.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { TONE_RMS_DB, TempDir, decode, measureTone, sine, writeBytes } from './audio-check';
import { RecordSettingsSchema } from '../../main/settings/audio-settings-schema';
import { finished, onlyRefusals, startThread, stopLaneMidEncode, type ThreadJob } from './encoder-thread';

const RATE = 44100;
const tmp = new TempDir();
afterAll(() => tmp.remove());

type LossyCodec = 'mp3' | 'vorbis';
const lossyJob = (seconds: number, codec: LossyCodec, leaveOpen = false): ThreadJob => ({ seconds, rate: RATE, settings: { codec }, leaveOpen });

function expectTone(bytes: Uint8Array, codec: LossyCodec, seconds: number, name: string): void {
  const file = tmp.file(name);
  writeBytes(file, bytes);
  const decoded = decode(file, RATE);
  const frames = decoded.length / 2;
  // Vorbis trims to the input exactly; a stream MP3 keeps LAME's delay and the last frame's padding.
  if (codec === 'vorbis') {
    expect(frames).toBe(seconds * RATE);
  } else {
    expect(frames - seconds * RATE).toBeGreaterThanOrEqual(0);
    expect(frames - seconds * RATE).toBeLessThanOrEqual(1105 + 1152);
  }
  const tone = measureTone(decoded, RATE);
  expect(Math.abs(tone.hz[0]! - 997)).toBeLessThan(1);
  expect(Math.abs(tone.rmsDb[0]! - TONE_RMS_DB)).toBeLessThan(0.5);
}

const LIBRARY = { mp3: /^libmp3lame\.so\.0 \(LAME 3\.\d+, system library\)$/, vorbis: /^libvorbisenc\.so\.2 \(Xiph\.Org libVorbis [\d.]+, system library\)$/ };

describe('LAME and libvorbis (system) in worker threads', () => {
  it('threads encode beside the main thread, end with an encoder open, or are stopped past their deadline mid-encode (the engine\'s threads, through the guard); the process goes on', async () => {
    const codecs: LossyCodec[] = ['mp3', 'vorbis', 'mp3', 'vorbis'];
    const jobs = codecs.map((codec, i) => lossyJob(2, codec, i >= 2));
    const threads = jobs.map((job) => finished(startThread(job)));
    // Three more: the engine's stream encoder (MP3, Vorbis) and recording (MP3) threads, each
    // given 120 s of audio and stopped with a 20 ms deadline while they encode it.
    const format = { sampleRate: RATE, channels: 2 };
    const doomed = [
      stopLaneMidEncode({ kind: 'encode', job: { format, settings: { codec: 'mp3', mode: 'cbr', bitrateKbps: 128, vbrQuality: 4 } } }, 120, 30),
      stopLaneMidEncode({ kind: 'encode', job: { format, settings: { codec: 'vorbis', mode: 'bitrate', quality: 4, nominalBitrateKbps: 128 } } }, 120, 60),
      stopLaneMidEncode({ kind: 'record', job: { format, settings: RecordSettingsSchema.parse({ codec: 'mp3', folder: tmp.path, fileName: 'doomed.mp3' }) } }, 120, 90),
    ];

    // The main thread encodes meanwhile with its own bindings.
    const mainBytes: Record<LossyCodec, Uint8Array> = { mp3: new Uint8Array(0), vorbis: new Uint8Array(0) };
    for (const codec of ['mp3', 'vorbis'] as const) {
      const made = await createEncoder({ codec }, { sampleRate: RATE, channels: 2 }, 'system');
      if (!made.ok) throw new Error(made.error.message);
      const input = sine(2, RATE);
      const parts: Uint8Array[] = [];
      for (let at = 0; at < input.length; at += 2048) for (const c of made.encoder.encode(input.subarray(at, at + 2048))) parts.push(c.bytes);
      for (const c of made.encoder.flush()) parts.push(c.bytes);
      made.encoder.close();
      mainBytes[codec] = Buffer.concat(parts);
    }

    // Terminated mid-stream, not crashed (a koffi abort would end this process, test runner and all).
    for (const stopped of await Promise.all(doomed)) {
      expect(stopped.implementation).toMatch(/system library/);
      expect(stopped.inFlightAtStop).toBeGreaterThan(0);
      expect(stopped.how).toBe('terminated');
      expect(onlyRefusals(stopped)).toEqual([]);
    }

    const results = await Promise.all(threads);
    for (const [i, result] of results.entries()) {
      const codec = codecs[i]!;
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(0);
      expect(result.message!.implementation).toMatch(LIBRARY[codec]);
      expectTone(result.message!.bytes, codec, 2, `thread-${i}.${codec === 'mp3' ? 'mp3' : 'ogg'}`);
    }
    expectTone(mainBytes.mp3, 'mp3', 2, 'main.mp3');
    expectTone(mainBytes.vorbis, 'vorbis', 2, 'main.ogg');

    // After all those threads ended, a new thread still loads and encodes.
    const again = await finished(startThread(lossyJob(1, 'vorbis')));
    expect(again.code).toBe(0);
    expectTone(again.message!.bytes, 'vorbis', 1, 'again.ogg');
  });
});
