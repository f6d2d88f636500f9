/**
 * Ogg Vorbis through libvorbis in WebAssembly (wasm-media-encoders), re-paged so a page holds
 * at most ~100 ms (see vorbis-pages.ts).
 */
import type { createOggEncoder } from 'wasm-media-encoders';
import type { EncoderImplementation } from '../../../../native/codecs/system-library';
import type { AudioFormat } from '../audio-format';
import type { EncodedChunk, Encoder, HeaderPatch, StreamTags } from '../encoder';
import { streamTagComments } from './stream-tags';
import type { VorbisSettings } from './encoder-settings';
import { FrameLedger } from './frame-ledger';
import { VorbisRepager } from './vorbis-pages';
import { deinterleave, wholeFrames } from './pcm';

/** Nominal bitrate (kbps, 44.1 kHz stereo) of oggenc -q -1 .. -q 10. */
const QUALITY_KBPS = [45, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 500];

/**
 * The package only offers libvorbis' quality mode; a nominal bitrate is mapped to the quality
 * whose nominal rate it is (interpolated), as oggenc's documentation tabulates them.
 */
export function vorbisQualityForBitrate(kbps: number): number {
  if (kbps <= QUALITY_KBPS[0]!) return -1;
  for (let i = 1; i < QUALITY_KBPS.length; i++) {
    const lo = QUALITY_KBPS[i - 1]!;
    const hi = QUALITY_KBPS[i]!;
    if (kbps <= hi) return i - 2 + (kbps - lo) / (hi - lo);
  }
  return 10;
}

export async function createVorbis(settings: VorbisSettings, input: AudioFormat, _implementation: EncoderImplementation = 'auto'): Promise<Encoder> {
  let vorbis: Awaited<ReturnType<typeof createOggEncoder>> | null = await (await import('wasm-media-encoders')).createOggEncoder();
  const channels = input.channels === 1 ? 1 : 2;
  const quality = settings.mode === 'quality' ? settings.quality : vorbisQualityForBitrate(settings.nominalBitrateKbps);
  const format: AudioFormat = { sampleRate: input.sampleRate, channels };
  let ledger = new FrameLedger();
  let chunker = new VorbisRepager(ledger, input.sampleRate);
  let pending: EncodedChunk[] = [];

  /** A new logical stream (serial, headers); `comments` replace libvorbis' own (a title). */
  const startLink = (library: NonNullable<typeof vorbis>, comments?: string[]): void => {
    library.configure({
      channels,
      sampleRate: input.sampleRate,
      vbrQuality: quality,
      oggSerialNo: Math.floor(Math.random() * 0x7fffffff),
    });
    ledger = new FrameLedger();
    chunker = new VorbisRepager(ledger, input.sampleRate, 100, comments);
    // The three header packets are ready at once: hand them out before the first audio.
    pending.push(...chunker.push(library.encode(Array.from({ length: channels }, () => new Float32Array(0)))));
  };
  startLink(vorbis);

  const withPending = (chunks: EncodedChunk[]): EncodedChunk[] => {
    if (pending.length === 0) return chunks;
    const out = [...pending, ...chunks];
    pending = [];
    return out;
  };

  return {
    codec: 'vorbis',
    mimeType: 'audio/ogg',
    extension: 'ogg',
    implementation: 'libvorbis (WebAssembly, wasm-media-encoders)',
    inputFormat: format,
    encode(samples: Float32Array): EncodedChunk[] {
      const whole = wholeFrames(samples, channels);
      if (!vorbis) return [];
      if (whole.length === 0) return withPending([]);
      ledger.addInput(whole.length / channels);
      return withPending(chunker.push(vorbis.encode(deinterleave(whole, channels))));
    },
    flush(): EncodedChunk[] {
      if (!vorbis) return [];
      return withPending(chunker.push(vorbis.finalize(), true));
    },
    setTitle(tags: StreamTags): EncodedChunk[] {
      if (!vorbis) return [];
      // Nothing but headers so far: replace them instead of sending an empty stream.
      if (ledger.inputFrames === 0 && pending.length > 0) {
        pending = [];
        startLink(vorbis, streamTagComments(tags));
        return [];
      }
      // libvorbis ends the stream (last packet trimmed by its granule), then starts afresh:
      // decoded, the two links join without a lost or repeated sample.
      const end = withPending(chunker.push(vorbis.finalize(), true));
      startLink(vorbis, streamTagComments(tags));
      return [...end, ...withPending([])];
    },
    finalPatches(): HeaderPatch[] {
      return [];
    },
    close(): void {
      vorbis = null; // the instance and its WebAssembly memory go with the reference
    },
  };
}
