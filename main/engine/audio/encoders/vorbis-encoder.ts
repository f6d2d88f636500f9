/**
 * Ogg Vorbis through libvorbis: the machine's library (native/codecs/vorbis.ts) when it is there,
 * its packets paged by us; else the WebAssembly build (wasm-media-encoders), whose Ogg output is
 * re-paged. Either way a page holds at most ~100 ms (see vorbis-pages.ts).
 */
import type { createOggEncoder } from 'wasm-media-encoders';
import { systemLibraryError, type EncoderImplementation } from '../../../../native/codecs/system-library';
import { openVorbis, VORBIS_PACKAGE, VORBISENC_SONAME, type NativeVorbis, type NativeVorbisLink, type VorbisPacket } from '../../../../native/codecs/vorbis';
import type { AudioFormat } from '../audio-format';
import type { EncodedChunk, Encoder, HeaderPatch, StreamTags } from '../encoder';
import { streamTagComments } from './stream-tags';
import type { VorbisSettings } from './encoder-settings';
import { FrameLedger } from './frame-ledger';
import { VorbisPager, VorbisRepager } from './vorbis-pages';
import { deinterleave, wholeFrames } from './pcm';

/** Nominal bitrate (kbps, 44.1 kHz stereo) of oggenc -q -1 .. -q 10. */
const QUALITY_KBPS = [45, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 500];

/**
 * The WebAssembly package only offers libvorbis' quality mode; there a nominal bitrate is mapped
 * to the quality whose nominal rate it is (interpolated), as oggenc's documentation tabulates
 * them. The system library encodes the bitrate itself (vorbis_encode_init, average managed).
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

export interface VorbisEncoderOptions {
  /** The system libraries to load; tests name one that does not exist. */
  libraries?: { enc?: string; lib?: string };
}

export async function createVorbis(
  settings: VorbisSettings,
  input: AudioFormat,
  implementation: EncoderImplementation = 'auto',
  options: VorbisEncoderOptions = {},
): Promise<Encoder> {
  const channels = input.channels === 1 ? 1 : 2;
  if (implementation === 'wasm') return wasmVorbis(settings, input.sampleRate, channels);
  const mode = settings.mode === 'quality' ? { kind: 'quality' as const, quality: settings.quality } : { kind: 'bitrate' as const, nominalKbps: settings.nominalBitrateKbps };
  const native = openVorbis({ channels, sampleRate: input.sampleRate, mode }, options.libraries);
  if (native.ok) return systemVorbis(native.vorbis, input.sampleRate, channels);
  if (implementation === 'system') throw systemLibraryError('Vorbis', options.libraries?.enc ?? VORBISENC_SONAME, VORBIS_PACKAGE, native);
  return wasmVorbis(settings, input.sampleRate, channels, native.reason);
}

/** A random serial for a new logical stream, never the previous link's. */
function newSerial(previous?: number): number {
  for (;;) {
    const serial = Math.floor(Math.random() * 0x7fffffff);
    if (serial !== previous) return serial;
  }
}

/** Hands out chunks that were ready before the next call (a link's header pages). */
class Pending {
  private chunks: EncodedChunk[] = [];
  get empty(): boolean {
    return this.chunks.length === 0;
  }
  add(chunk: EncodedChunk[]): void {
    this.chunks.push(...chunk);
  }
  clear(): void {
    this.chunks = [];
  }
  before(chunks: EncodedChunk[]): EncodedChunk[] {
    if (this.chunks.length === 0) return chunks;
    const out = [...this.chunks, ...chunks];
    this.chunks = [];
    return out;
  }
}

function systemVorbis(vorbis: NativeVorbis, sampleRate: number, channels: 1 | 2): Encoder {
  const pending = new Pending();
  let ledger = new FrameLedger();
  let pager!: VorbisPager;
  let link!: NativeVorbisLink;
  let closed = false;

  /** A new logical stream (serial, headers); `comments` go into its comment header (a title). */
  const startLink = (comments: string[]): void => {
    link = vorbis.startLink(comments);
    ledger = new FrameLedger();
    pager = new VorbisPager(ledger, sampleRate, newSerial(pager?.serial));
    pending.add([pager.headers(...link.headers)]);
  };
  const write = (packets: VorbisPacket[]): void => {
    for (const p of packets) pager.packet(p.data, p.granule, p.eos);
  };
  startLink([]);

  return {
    codec: 'vorbis',
    mimeType: 'audio/ogg',
    extension: 'ogg',
    implementation: vorbis.description,
    inputFormat: { sampleRate, channels },
    encode(samples: Float32Array): EncodedChunk[] {
      if (closed) return [];
      const whole = wholeFrames(samples, channels);
      if (whole.length === 0) return pending.before([]);
      ledger.addInput(whole.length / channels);
      write(link.encode(whole));
      return pending.before(pager.take());
    },
    flush(): EncodedChunk[] {
      if (closed) return [];
      write(link.finish());
      return pending.before(pager.take(true));
    },
    setTitle(tags: StreamTags): EncodedChunk[] {
      if (closed) return [];
      // Nothing but headers so far: replace them instead of sending an empty stream.
      if (ledger.inputFrames === 0 && !pending.empty) {
        pending.clear();
        startLink(streamTagComments(tags));
        return [];
      }
      // libvorbis ends the stream (last packet's granule trimmed to the input), then a chained
      // one starts: decoded, the two links join without a lost or repeated sample.
      write(link.finish());
      const end = pending.before(pager.take(true));
      startLink(streamTagComments(tags));
      return [...end, ...pending.before([])];
    },
    finalPatches(): HeaderPatch[] {
      return [];
    },
    close(): void {
      if (closed) return;
      closed = true;
      vorbis.close();
    },
  };
}

async function wasmVorbis(settings: VorbisSettings, sampleRate: number, channels: 1 | 2, fallback?: string): Promise<Encoder> {
  let vorbis: Awaited<ReturnType<typeof createOggEncoder>> | null = await (await import('wasm-media-encoders')).createOggEncoder();
  const quality = settings.mode === 'quality' ? settings.quality : vorbisQualityForBitrate(settings.nominalBitrateKbps);
  const format: AudioFormat = { sampleRate, channels };
  let ledger = new FrameLedger();
  let chunker = new VorbisRepager(ledger, sampleRate);
  const pending = new Pending();

  /** A new logical stream (serial, headers); `comments` replace libvorbis' own (a title). */
  const startLink = (library: NonNullable<typeof vorbis>, comments?: string[]): void => {
    library.configure({ channels, sampleRate, vbrQuality: quality, oggSerialNo: Math.floor(Math.random() * 0x7fffffff) });
    ledger = new FrameLedger();
    chunker = new VorbisRepager(ledger, sampleRate, 100, comments);
    // The three header packets are ready at once: hand them out before the first audio.
    pending.add(chunker.push(library.encode(Array.from({ length: channels }, () => new Float32Array(0)))));
  };
  startLink(vorbis);

  return {
    codec: 'vorbis',
    mimeType: 'audio/ogg',
    extension: 'ogg',
    implementation: 'libvorbis (WebAssembly, wasm-media-encoders)',
    ...(fallback ? { fallback } : {}),
    inputFormat: format,
    encode(samples: Float32Array): EncodedChunk[] {
      const whole = wholeFrames(samples, channels);
      if (!vorbis) return [];
      if (whole.length === 0) return pending.before([]);
      ledger.addInput(whole.length / channels);
      return pending.before(chunker.push(vorbis.encode(deinterleave(whole, channels))));
    },
    flush(): EncodedChunk[] {
      if (!vorbis) return [];
      return pending.before(chunker.push(vorbis.finalize(), true));
    },
    setTitle(tags: StreamTags): EncodedChunk[] {
      if (!vorbis) return [];
      // Nothing but headers so far: replace them instead of sending an empty stream.
      if (ledger.inputFrames === 0 && !pending.empty) {
        pending.clear();
        startLink(vorbis, streamTagComments(tags));
        return [];
      }
      // libvorbis ends the stream (last packet trimmed by its granule), then starts afresh:
      // decoded, the two links join without a lost or repeated sample.
      const end = pending.before(chunker.push(vorbis.finalize(), true));
      startLink(vorbis, streamTagComments(tags));
      return [...end, ...pending.before([])];
    },
    finalPatches(): HeaderPatch[] {
      return [];
    },
    close(): void {
      vorbis = null; // the instance and its WebAssembly memory go with the reference
    },
  };
}
