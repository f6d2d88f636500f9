/**
 * Ogg Opus: libopus through @evan/opus (a native binary inside the package, its WebAssembly
 * build where the binary does not load), muxed by our own Ogg writer (RFC 7845).
 * 48 kHz input, 20 ms packets, pages flushed every ~100 ms so a listener is never starved.
 */
import type { Encoder as OpusLib } from '@evan/opus';
import type { AudioFormat } from '../audio-format';
import type { EncodedChunk, Encoder, HeaderPatch, StreamTags } from '../encoder';
import { streamTagComments } from './stream-tags';
import { concatBytes } from './bytes';
import type { OpusSettings } from './encoder-settings';
import { FrameLedger } from './frame-ledger';
import { OggStreamWriter } from './ogg-page';
import { toInt16, wholeFrames } from './pcm';

export const OPUS_RATE = 48000;
const FRAME_SIZE = 960; // 20 ms at 48 kHz
/** Packets per page: 5 x 20 ms = 100 ms, the longest a listener waits for the next page. */
const PACKETS_PER_PAGE = 5;
const VENDOR = 'Airtight (libopus via @evan/opus)';

export interface OpusOptions {
  /** Sample rate the audio had before resampling (informational, goes into OpusHead). */
  originalSampleRate?: number;
  /** Overrides the page interval (packets of 20 ms per page). */
  packetsPerPage?: number;
}

export function opusHead(channels: number, preSkip: number, originalRate: number): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set(new TextEncoder().encode('OpusHead'), 0);
  head[8] = 1; // version
  head[9] = channels;
  view.setUint16(10, preSkip, true);
  view.setUint32(12, originalRate, true);
  view.setInt16(16, 0, true); // output gain
  head[18] = 0; // channel mapping family 0: mono or stereo
  return head;
}

export function opusTags(vendor: string, comments: string[] = []): Uint8Array {
  const enc = new TextEncoder();
  const vendorBytes = enc.encode(vendor);
  const commentBytes = comments.map((c) => enc.encode(c));
  const size = 8 + 4 + vendorBytes.length + 4 + commentBytes.reduce((sum, c) => sum + 4 + c.length, 0);
  const tags = new Uint8Array(size);
  const view = new DataView(tags.buffer);
  tags.set(enc.encode('OpusTags'), 0);
  let at = 8;
  view.setUint32(at, vendorBytes.length, true);
  tags.set(vendorBytes, at + 4);
  at += 4 + vendorBytes.length;
  view.setUint32(at, commentBytes.length, true);
  at += 4;
  for (const c of commentBytes) {
    view.setUint32(at, c.length, true);
    tags.set(c, at + 4);
    at += 4 + c.length;
  }
  return tags;
}

export async function createOpus(settings: OpusSettings, input: AudioFormat, options: OpusOptions = {}): Promise<Encoder> {
  // Loaded here, not at module load: each codec library costs every thread that loads it memory.
  const { Encoder: OpusLibrary } = await import('@evan/opus');
  const channels = input.channels === 1 ? 1 : 2;
  const format: AudioFormat = { sampleRate: OPUS_RATE, channels };
  const packetsPerPage = Math.max(1, options.packetsPerPage ?? PACKETS_PER_PAGE);
  const frameSamples = FRAME_SIZE * channels;
  const pcm = new Int16Array(frameSamples); // one 20 ms frame being filled
  let filled = 0; // samples in `pcm`
  let closed = false;

  /**
   * One logical Ogg stream ("link"): a libopus state, its Ogg writer and granule count. A new
   * title starts a new link (a chained stream, RFC 7845 section 3) with its own OpusTags.
   */
  const startLink = (comments: string[]) => {
    const lib: OpusLib = new OpusLibrary({
      channels,
      sample_rate: OPUS_RATE,
      application: settings.application === 'speech' ? 'voip' : 'audio',
    });
    lib.signal = settings.application === 'speech' ? 'voice' : 'music';
    lib.bitrate = settings.bitrateKbps * 1000;
    lib.complexity = settings.complexity as OpusLib['complexity'];
    lib.vbr = settings.mode !== 'cbr';
    lib.vbr_constraint = settings.mode === 'cvbr';
    // libopus' lookahead: the decoder drops this many samples at the start (pre-skip).
    const preSkip = lib.ctl(4027);
    const writer = new OggStreamWriter(Math.floor(Math.random() * 0xffffffff));
    writer.packet(opusHead(channels, preSkip, options.originalSampleRate ?? OPUS_RATE), 0n);
    const headPage = writer.flush();
    writer.packet(opusTags(VENDOR, comments), 0n);
    const header = concatBytes([...headPage, ...writer.flush()]);
    // granule: 48 kHz samples of all packets so far, pre-skip included.
    return { lib, preSkip, writer, header, ledger: new FrameLedger(), granule: 0n, headerSent: false };
  };
  let link = startLink(['ENCODER=Airtight']);

  /** Encodes the full frame in `pcm`; `endGranule` trims the stream's last packet. */
  const encodeFrame = (endGranule?: bigint): void => {
    if (closed) return;
    const packet = link.lib.encode(pcm);
    link.granule += BigInt(FRAME_SIZE);
    link.writer.packet(packet.slice(), endGranule ?? link.granule);
    filled = 0;
  };

  const pagesOut = (eos: boolean): EncodedChunk[] => {
    const chunks: EncodedChunk[] = [];
    if (!link.headerSent) {
      chunks.push({ bytes: link.header, frames: 0, header: true });
      link.headerSent = true;
    }
    if (link.writer.queuedPackets === 0 && !eos) return chunks;
    const pages = link.writer.flush(eos);
    const frames = eos ? link.ledger.claimRest() : link.ledger.claim(Number(link.granule) - link.preSkip);
    chunks.push({ bytes: concatBytes(pages), frames });
    return chunks;
  };

  /** Ends the current link: the lookahead pushed out with silence, the end trimmed by granule. */
  const finishLink = (): EncodedChunk[] => {
    // Push the lookahead out with silence so every input sample is decodable; the last
    // packet's granule says where the audio ends and the decoder trims the rest (RFC 7845).
    const end = BigInt(link.ledger.inputFrames + link.preSkip);
    const missing = Number(end - link.granule);
    const frames = Math.max(1, Math.ceil(missing / FRAME_SIZE));
    for (let i = 0; i < frames; i++) {
      pcm.fill(0, filled);
      encodeFrame(i === frames - 1 ? end : undefined);
    }
    return pagesOut(true);
  };

  return {
    codec: 'opus',
    mimeType: 'audio/ogg',
    extension: 'opus',
    // The engine's threads force the WebAssembly build (record-worker.ts); elsewhere the package picks.
    implementation: process.env.OPUS_FORCE_WASM ? 'libopus (WebAssembly, @evan/opus)' : 'libopus (@evan/opus: its native addon, or WebAssembly where that does not load)',
    inputFormat: format,
    encode(samples: Float32Array): EncodedChunk[] {
      if (closed) return [];
      const whole = wholeFrames(samples, channels);
      link.ledger.addInput(whole.length / channels);
      let at = 0;
      while (at < whole.length) {
        const take = Math.min(frameSamples - filled, whole.length - at);
        toInt16(whole.subarray(at, at + take), pcm.subarray(filled, filled + take));
        filled += take;
        at += take;
        if (filled === frameSamples) encodeFrame();
      }
      if (link.writer.queuedPackets >= packetsPerPage || !link.headerSent) return pagesOut(false);
      return [];
    },
    flush(): EncodedChunk[] {
      if (closed) return [];
      return finishLink();
    },
    setTitle(tags: StreamTags): EncodedChunk[] {
      if (closed) return [];
      const comments = streamTagComments(tags);
      // Nothing sent yet: just replace the headers, no empty link.
      if (!link.headerSent && link.ledger.inputFrames === 0) {
        link = startLink(comments);
        return [];
      }
      const end = finishLink();
      link = startLink(comments);
      return [...end, ...pagesOut(false)];
    },
    finalPatches(): HeaderPatch[] {
      return [];
    },
    close(): void {
      closed = true; // native/wasm state is freed with the object by the binding's finalizer
    },
  };
}
