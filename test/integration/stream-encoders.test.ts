/**
 * The stream path: DSP then an encoder thread per distinct setting, whole units back on the
 * engine thread. Run in-process against the built worker files; decoded with ffmpeg.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { AudioService } from '../../main/engine/audio/audio-service';
import { ResourceRegistry } from '../../main/engine/resource-registry';
import type { EncodedChunk } from '../../main/engine/audio/encoder';
import { AudioSettingsSchema } from '../../main/settings/audio-settings-schema';
import { EncoderSettingsSchema } from '../../main/engine/audio/encoders/encoder-settings';
import { ROOT, tempDataDir } from '../helpers/airtight-process';
import { decode, measureTone } from '../encoders/audio-check';

let registry: ResourceRegistry | undefined;
afterEach(async () => {
  await registry?.closeAll(3000);
  registry = undefined;
});

type LogLine = { level: string; message: string };

async function service(log: LogLine[] = []): Promise<AudioService> {
  registry = new ResourceRegistry();
  const events = { meters: () => undefined, source: () => undefined, signal: () => undefined, recorder: () => undefined, log: (level: string, message: string) => void log.push({ level, message }) };
  const audio = new AudioService(registry, events, join(ROOT, 'out', 'main'));
  await audio.configure(AudioSettingsSchema.parse({ input: { source: 'tone', sampleRate: 44100, toneLevelDbfs: -12 } }));
  return audio;
}

function collect(): { chunks: EncodedChunk[]; push: (c: EncodedChunk[]) => void } {
  const chunks: EncodedChunk[] = [];
  return { chunks, push: (c) => chunks.push(...c) };
}

describe('stream encoders', () => {
  it('MP3, Vorbis and Opus (resampled to 48 kHz) streams decode to the tone; equal settings share one thread', async () => {
    const log: LogLine[] = [];
    const audio = await service(log);
    const mp3 = EncoderSettingsSchema.parse({ codec: 'mp3', bitrateKbps: 128 });
    const opus = EncoderSettingsSchema.parse({ codec: 'opus' });
    const vorbis = EncoderSettingsSchema.parse({ codec: 'vorbis' });
    const d = collect();
    const a = collect();
    const b = collect();
    const c = collect();
    const subA = audio.openStreamEncoder(mp3, a.push);
    const subB = audio.openStreamEncoder(mp3, b.push);
    const subC = audio.openStreamEncoder(opus, c.push);
    const subD = audio.openStreamEncoder(vorbis, d.push);
    expect(await subA.mimeType).toBe('audio/mpeg');
    expect(await subC.mimeType).toBe('audio/ogg');
    expect(await subD.mimeType).toBe('audio/ogg');
    // The MP3 thread loaded the machine's LAME through koffi (inside a worker thread) and says so, once.
    expect(log.filter((l) => l.message.startsWith('Stream encoder MP3 128 kbps:'))).toEqual([
      { level: 'info', message: expect.stringMatching(/^Stream encoder MP3 128 kbps: libmp3lame\.so\.0 \(LAME 3\.\d+, system library\)$/) },
    ]);
    expect(log.filter((l) => l.message.startsWith('Stream encoder Vorbis 128 kbps:'))).toEqual([
      { level: 'info', message: expect.stringMatching(/^Stream encoder Vorbis 128 kbps: libvorbisenc\.so\.2 \(Xiph\.Org libVorbis [\d.]+, system library\)$/) },
    ]);
    expect(log.filter((l) => l.level === 'warn')).toEqual([]);
    expect(registry!.list().filter((r) => r.label.endsWith('stream encoder')).map((r) => r.label).sort()).toEqual([
      'mp3 stream encoder',
      'opus stream encoder',
      'vorbis stream encoder',
    ]);
    await new Promise((r) => setTimeout(r, 2500));
    await Promise.all([subA.close(), subB.close(), subC.close(), subD.close()]);
    expect(registry!.list().filter((r) => r.label.endsWith('stream encoder'))).toEqual([]);
    expect(b.chunks.length).toBe(a.chunks.length);
    expect(subA.stats().droppedFrames).toBe(0);

    const dir = tempDataDir('airtight-stream-');
    for (const [name, chunks, rate] of [['s.mp3', a.chunks, 44100], ['s.opus', c.chunks, 48000], ['s.ogg', d.chunks, 44100]] as const) {
      const path = join(dir, name);
      writeFileSync(path, Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.bytes))));
      const tone = measureTone(decode(path, rate), rate);
      expect(tone.hz[0], name).toBeCloseTo(997, 0);
      expect(tone.rmsDb[0], name).toBeCloseTo(-12 - 3.01, 0);
    }
  });

  it('an encoder that cannot start says why', async () => {
    const audio = await service();
    const bad = EncoderSettingsSchema.parse({ codec: 'aac', profile: 'he' });
    const sub = audio.openStreamEncoder(bad, () => undefined);
    const result = await sub.mimeType;
    expect(result).toMatchObject({ code: expect.stringMatching(/^AAC_/) });
    await sub.close();
  });
  it('a low-latency tap (the AES67 sender) gets 10 ms blocks from the tone while it is there, others 48 ms', async () => {
    const audio = await service();
    const seen: number[] = [];
    const untapPlain = audio.tapStream((samples) => seen.push(samples.length / 2));
    const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    await wait(400);
    const plain = seen.splice(0);
    const untapLow = audio.tapStream(() => undefined, { lowLatency: true });
    await wait(100); // the tick already set finishes at the old size
    seen.splice(0);
    await wait(400);
    const low = seen.splice(0);
    untapLow();
    await wait(100);
    seen.splice(0);
    await wait(400);
    const back = seen.splice(0);
    untapPlain();
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`block frames (median): ${median(plain)} -> ${median(low)} -> ${median(back)}`);
    // 44.1 kHz: 48 ms = 2117 frames, 10 ms = 441. Each tick carries what is due, so a late tick
    // makes one block longer and the next shorter: medians sit near the nominal size, and the
    // two sizes stay far apart.
    const near = (frames: number, nominal: number): boolean => frames > nominal * 0.85 && frames < nominal * 1.25;
    expect(near(median(plain), 2117), `${median(plain)}`).toBe(true);
    expect(near(median(low), 441), `${median(low)}`).toBe(true);
    expect(near(median(back), 2117), `${median(back)}`).toBe(true);
  });
});
