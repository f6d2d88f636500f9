/**
 * The AAC encoder's ffmpeg child: output arrives while audio is still being fed (whole ADTS
 * frames per chunk), close() stops and reaps it, and a machine without a usable ffmpeg gets a
 * clear AppError instead of an encoder.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { isChildProcessEncoder, type ChildProcessEncoder } from '../../main/engine/audio/encoders/aac-encoder';
import { probeFfmpegAac } from '../../main/engine/audio/encoders/ffmpeg-probe';
import { parseAdtsHeader } from '../../main/engine/audio/encoders/mpeg-frames';
import { sine, totalFrames } from './audio-check';
import type { EncodedChunk } from '../../main/engine/audio/encoder';

function processState(pid: number): string | null {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
  } catch {
    return null; // gone (and reaped: a zombie still has /proc/<pid>)
  }
}

async function aac(settings: object = {}): Promise<ChildProcessEncoder> {
  const result = await createEncoder({ codec: 'aac', ...settings }, { sampleRate: 44100, channels: 2 });
  if (!result.ok) throw new Error(result.error.message);
  expect(isChildProcessEncoder(result.encoder)).toBe(true);
  return result.encoder as ChildProcessEncoder;
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('AAC through ffmpeg', () => {
  it('hands out whole ADTS frames while the audio is still coming in', async () => {
    const encoder = await aac();
    const input = sine(3, 44100);
    const block = 4410 * 2; // 100 ms
    const chunks: EncodedChunk[] = [];
    let duringFeed = 0;
    for (let at = 0; at < input.length; at += block) {
      const got = encoder.encode(input.subarray(at, at + block));
      duringFeed += got.length;
      chunks.push(...got);
      await tick(10); // let ffmpeg's output arrive, as it does between capture blocks
    }
    chunks.push(...encoder.flush(), ...(await encoder.drain()));
    expect(duringFeed).toBeGreaterThan(5);
    for (const chunk of chunks) {
      let at = 0;
      while (at < chunk.bytes.length) {
        const info = parseAdtsHeader(chunk.bytes, at);
        expect(info).not.toBeNull();
        at += info!.length;
      }
      expect(at).toBe(chunk.bytes.length);
    }
    expect(totalFrames(chunks)).toBe(input.length / 2);
    await encoder.closed();
    expect(processState(encoder.child.pid!)).toBeNull();
  });

  it('close() mid-stream stops ffmpeg and it is reaped', async () => {
    const encoder = await aac();
    const pid = encoder.child.pid!;
    encoder.encode(sine(0.5, 44100));
    await tick(50);
    expect(processState(pid)).not.toBeNull();
    encoder.close();
    encoder.close();
    await encoder.closed();
    expect(processState(pid)).toBeNull();
    expect(encoder.encode(sine(0.1, 44100))).toEqual([]);
  });

  it('reports a missing ffmpeg as AAC_UNAVAILABLE', async () => {
    const saved = process.env.AIRTIGHT_FFMPEG;
    process.env.AIRTIGHT_FFMPEG = '/nonexistent/ffmpeg';
    try {
      const result = await createEncoder({ codec: 'aac' }, { sampleRate: 44100, channels: 2 });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('AAC_UNAVAILABLE');
        expect(result.error.message).toMatch(/ffmpeg/);
      }
    } finally {
      if (saved === undefined) delete process.env.AIRTIGHT_FFMPEG;
      else process.env.AIRTIGHT_FFMPEG = saved;
    }
  });

  it('refuses HE-AAC with a clear message when ffmpeg lacks libfdk_aac', async () => {
    const ffmpeg = await probeFfmpegAac();
    expect(ffmpeg?.nativeAac).toBe(true);
    const result = await createEncoder({ codec: 'aac', profile: 'he' }, { sampleRate: 44100, channels: 2 });
    if (ffmpeg?.fdkAac) {
      expect(result.ok).toBe(true);
      if (result.ok) result.encoder.close();
    } else {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('AAC_HE_UNAVAILABLE');
    }
  });
});
