/**
 * Test-only encoder: headerless s16le, so it has no live header and cannot append (it stands
 * in for formats such as FLAC there). Can be told to throw, to test encoder failures.
 */
import type { AudioFormat } from '../../main/engine/audio/audio-format';
import type { EncodedChunk, Encoder, HeaderPatch } from '../../main/engine/audio/encoder';

export class RawTestEncoder implements Encoder {
  readonly codec = 'flac' as const; // stand-in for a format that cannot be appended to
  readonly mimeType = 'application/octet-stream';
  readonly extension = 'raw';
  readonly implementation = 'raw PCM (test encoder)';
  closed = 0;
  private frames = 0;

  constructor(
    readonly inputFormat: AudioFormat,
    private readonly failAfterFrames = Infinity,
  ) {}

  encode(samples: Float32Array): EncodedChunk[] {
    const frames = samples.length / this.inputFormat.channels;
    if (this.frames + frames > this.failAfterFrames) throw new Error('test encoder: simulated failure');
    this.frames += frames;
    const out = new Int16Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
    return [{ bytes: new Uint8Array(out.buffer), frames }];
  }

  flush(): EncodedChunk[] {
    return [];
  }

  finalPatches(): HeaderPatch[] {
    return [];
  }

  close(): void {
    this.closed++;
  }
}
