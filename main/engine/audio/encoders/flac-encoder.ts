/**
 * FLAC (a file: STREAMINFO's total samples and MD5 are patched in at the end) and Ogg FLAC
 * (a stream, with in-band titles as chained logical streams) through libFLAC: the machine's
 * libFLAC.so.12 where it loads (native speed), else libFLAC in WebAssembly (libflacjs). Both
 * write the same stream layout. Input is quantized to 16 or 24 bits, so the decoded file
 * equals the quantized input exactly.
 */
import { LIBFLAC_PACKAGE, LIBFLAC_SONAME, loadLibFlac, type FlacStreamInfo } from '../../../../native/codecs/flac';
import { systemLibraryError, type EncoderImplementation } from '../../../../native/codecs/system-library';
import type { AudioFormat } from '../audio-format';
import type { EncodedChunk, Encoder, HeaderPatch, StreamTags } from '../encoder';
import { appError, AppErrorException } from '../../../shared/errors';
import type { FlacSettings, OggFlacSettings } from './encoder-settings';
import { loadFlac } from './flac-library';
import { FrameLedger } from './frame-ledger';
import { OggChunker } from './ogg-chunks';
import { buildPage, type ParsedPage } from './ogg-page';
import { FLAC_VORBIS_COMMENT, flacCommentBlock, flacCommentVendor, streamTagComments } from './stream-tags';
import { quantize, wholeFrames } from './pcm';

/** STREAMINFO's body starts after "fLaC" and its 4-byte block header. */
export const STREAMINFO_OFFSET = 8;
const STREAMINFO_LENGTH = 34;

type StreamInfo = FlacStreamInfo;

/** Serializes a STREAMINFO body (34 bytes) as the FLAC format lays it out. */
export function streamInfoBytes(info: StreamInfo): Uint8Array {
  const out = new Uint8Array(STREAMINFO_LENGTH);
  const view = new DataView(out.buffer);
  view.setUint16(0, info.min_blocksize);
  view.setUint16(2, info.max_blocksize);
  out[4] = (info.min_framesize >>> 16) & 0xff;
  view.setUint16(5, info.min_framesize & 0xffff);
  out[7] = (info.max_framesize >>> 16) & 0xff;
  view.setUint16(8, info.max_framesize & 0xffff);
  // 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples.
  const rate = info.sampleRate;
  const total = info.total_samples;
  const totalHigh = Math.floor(total / 2 ** 32) & 0xf;
  out[10] = (rate >>> 12) & 0xff;
  out[11] = (rate >>> 4) & 0xff;
  out[12] = ((rate & 0xf) << 4) | (((info.channels - 1) & 7) << 1) | (((info.bitsPerSample - 1) >> 4) & 1);
  out[13] = (((info.bitsPerSample - 1) & 0xf) << 4) | totalHigh;
  view.setUint32(14, total >>> 0);
  for (let i = 0; i < 16; i++) out[18 + i] = Number.parseInt(info.md5sum.slice(i * 2, i * 2 + 2), 16) || 0;
  return out;
}

/**
 * Ogg FLAC: replaces libFLAC's VORBIS_COMMENT page (a packet alone on the page after the BOS
 * page) with one carrying `comments`; libFLAC's vendor string and last-block flag are kept.
 */
export function flacCommentPageRewriter(comments: string[] | undefined): (page: ParsedPage) => Uint8Array {
  return (page) => {
    const block = page.body;
    const alone = page.segments.length > 0 && page.segments.every((lace, i) => (i === page.segments.length - 1 ? lace < 255 : lace === 255));
    if (!comments || !alone || (block[0]! & 0x7f) !== FLAC_VORBIS_COMMENT) return page.bytes;
    const replaced = flacCommentBlock((block[0]! & 0x80) !== 0, flacCommentVendor(block), comments);
    const segments = [...new Array<number>(Math.floor(replaced.length / 255)).fill(255), replaced.length % 255];
    if (segments.length > 255) return page.bytes; // a title too long for one page: keep the library's
    return buildPage({ headerType: page.headerType, granule: page.granule, serial: page.serial, sequence: page.sequence, segments, body: replaced });
  };
}

/** A random Ogg serial number (a chained link must not reuse the previous one's). */
function newSerial(previous?: number): number {
  for (;;) {
    const serial = Math.floor(Math.random() * 0x7fffffff) + 1;
    if (serial !== previous) return serial;
  }
}

/** What one libFLAC encoder (either build) gives the FLAC encoder below. */
interface FlacLink {
  process(samples: Int32Array<ArrayBuffer>, frames: number): void;
  finish(): void;
  close(): void;
}

interface LinkSink {
  /** `bytes` may be a view of the library's memory, valid only during the call: copy it. */
  onWrite(bytes: Uint8Array, samples: number): void;
  onStreamInfo(info: StreamInfo): void;
}

interface FlacBackend {
  implementation: string;
  /** Why 'auto' could not use the system library (it runs as WebAssembly). */
  fallback?: string;
  /** One initialized encoder; Ogg FLAC when `serial` is given. */
  start(serial: number | undefined, sink: LinkSink): FlacLink;
}

export interface FlacOptions {
  /** The system library to try (tests name one that does not exist). */
  library?: string;
}

/** The machine's libFLAC, or for `auto` the WebAssembly build when it does not load. */
async function pickBackend(settings: FlacSettings | OggFlacSettings, input: AudioFormat, implementation: EncoderImplementation, soname: string): Promise<FlacBackend> {
  if (implementation !== 'wasm') {
    const system = loadLibFlac(soname);
    if (system.ok) {
      const flac = system.flac;
      return {
        implementation: `${flac.soname} (libFLAC ${flac.version}, system library)`,
        start: (serial, sink) =>
          flac.createEncoder({ sampleRate: input.sampleRate, channels: input.channels, bitsPerSample: settings.bitDepth, compression: settings.compression, oggSerial: serial, ...sink }),
      };
    }
    // Loading is all that can fail here (settings are checked when a link starts): the library is unusable.
    if (implementation === 'system') throw systemLibraryError('FLAC', soname, LIBFLAC_PACKAGE, { reason: system.reason, missing: true });
    return { ...(await wasmBackend(settings, input)), fallback: system.reason };
  }
  return wasmBackend(settings, input);
}

async function wasmBackend(settings: FlacSettings | OggFlacSettings, input: AudioFormat): Promise<FlacBackend> {
  const flac = await loadFlac();
  return {
    implementation: 'libFLAC (WebAssembly, libflacjs)',
    start(serial, sink) {
      const handle = flac.create_libflac_encoder(input.sampleRate, input.channels, settings.bitDepth, settings.compression as 5, 0, false, 0);
      if (!handle) throw new AppErrorException(appError('FLAC_INIT_FAILED', 'The FLAC encoder could not be created'));
      const status = flac.init_encoder_stream(
        handle,
        (data, bytes, samples) => sink.onWrite(data.length === bytes ? data : data.slice(0, bytes), samples),
        (metadata) => {
          if (metadata) sink.onStreamInfo(metadata as StreamInfo);
        },
        serial,
      );
      if (status !== 0) {
        flac.FLAC__stream_encoder_delete(handle);
        throw new AppErrorException(appError('FLAC_INIT_FAILED', `The FLAC encoder refused its settings (init status ${status})`));
      }
      let open = true;
      return {
        process(samples, frames) {
          if (open && !flac.FLAC__stream_encoder_process_interleaved(handle, samples, frames)) {
            const state = flac.FLAC__stream_encoder_get_state(handle);
            throw new AppErrorException(appError('FLAC_ENCODE_FAILED', `The FLAC encoder failed (state ${state})`));
          }
        },
        finish() {
          if (open) flac.FLAC__stream_encoder_finish(handle);
        },
        close() {
          if (open) flac.FLAC__stream_encoder_delete(handle);
          open = false;
        },
      };
    },
  };
}

export async function createFlac(
  settings: FlacSettings | OggFlacSettings,
  input: AudioFormat,
  implementation: EncoderImplementation = 'auto',
  options: FlacOptions = {},
): Promise<Encoder> {
  const backend = await pickBackend(settings, input, implementation, options.library ?? LIBFLAC_SONAME);
  const ogg = settings.codec === 'ogg-flac';
  const channels = input.channels;
  const bits = settings.bitDepth;

  // What libFLAC wrote since the last take(): native FLAC's leading sample-less writes are the
  // header, each later write one frame; Ogg FLAC's writes are page headers and bodies.
  const header = new ByteCollector();
  const written = new ByteCollector();
  let writtenFrames = 0;
  let finalInfo: StreamInfo | undefined;
  let headerDone = false;
  const sink: LinkSink = {
    onWrite: (bytes, samples) => {
      if (!ogg && !headerDone && samples === 0) return header.append(bytes);
      headerDone = true;
      written.append(bytes);
      writtenFrames += samples;
    },
    onStreamInfo: (info) => (finalInfo = info),
  };

  /**
   * One libFLAC encoder. Ogg FLAC starts a new one (a chained logical stream with a new serial,
   * as for Vorbis) when a title changes: its VORBIS_COMMENT block carries the title.
   */
  const startLink = (comments?: string[], previousSerial?: number) => {
    const serial = ogg ? newSerial(previousSerial) : undefined;
    const encoder = backend.start(serial, sink);
    const ledger = new FrameLedger();
    return { encoder, serial, ledger, emitted: false, chunker: new OggChunker(ledger, undefined, flacCommentPageRewriter(comments)) };
  };
  let link: ReturnType<typeof startLink> | undefined = startLink();

  /** Native FLAC: the header once, then whole frames. */
  const nativeChunks = (): EncodedChunk[] => {
    const chunks: EncodedChunk[] = [];
    if (header.length > 0) chunks.push({ bytes: header.take(), frames: 0, header: true });
    if (written.length > 0) chunks.push({ bytes: written.take(), frames: writtenFrames });
    writtenFrames = 0;
    return chunks;
  };

  /** Ogg FLAC: cut on whole pages. */
  const oggChunks = (final: boolean): EncodedChunk[] => {
    const bytes = written.drain(); // the chunker copies what it keeps
    if (!link) return [];
    const chunks = link.chunker.push(bytes, final);
    if (chunks.length > 0) link.emitted = true;
    return chunks;
  };

  const take = (final: boolean): EncodedChunk[] => (ogg ? oggChunks(final) : nativeChunks());
  const buffer: { samples: Int32Array<ArrayBuffer> } = { samples: new Int32Array(0) };

  const encoder: Encoder = {
    codec: ogg ? 'ogg-flac' : 'flac',
    mimeType: ogg ? 'audio/ogg' : 'audio/flac',
    extension: ogg ? 'oga' : 'flac',
    implementation: backend.implementation,
    ...(backend.fallback ? { fallback: backend.fallback } : {}),
    inputFormat: { sampleRate: input.sampleRate, channels },
    encode(samples: Float32Array): EncodedChunk[] {
      if (!link) return [];
      const whole = wholeFrames(samples, channels);
      if (whole.length === 0) return take(false);
      if (buffer.samples.length < whole.length) buffer.samples = new Int32Array(whole.length);
      const ints = buffer.samples.subarray(0, whole.length);
      quantize(whole, bits, ints);
      link.ledger.addInput(whole.length / channels);
      link.encoder.process(ints, whole.length / channels);
      return take(false);
    },
    flush(): EncodedChunk[] {
      if (!link) return [];
      link.encoder.finish();
      return take(true);
    },
    finalPatches(): HeaderPatch[] {
      // An Ogg FLAC stream is not rewritten; a native file gets its real STREAMINFO.
      if (ogg || !finalInfo) return [];
      return [{ offset: STREAMINFO_OFFSET, bytes: streamInfoBytes(finalInfo) }];
    },
    close(): void {
      if (!link) return;
      link.encoder.close();
      link = undefined;
    },
  };
  if (!ogg) return encoder;
  return {
    ...encoder,
    setTitle(tags: StreamTags): EncodedChunk[] {
      if (!link) return [];
      const comments = streamTagComments(tags);
      const old = link;
      // Nothing but headers so far (libFLAC writes them at init): replace them, no empty link.
      if (!old.emitted) {
        old.encoder.close();
        written.drain();
        link = startLink(comments, old.serial);
        return [];
      }
      // finish() encodes the last (short) block and marks the last page EOS: no sample lost.
      old.encoder.finish();
      const end = take(true);
      old.encoder.close();
      link = startLink(comments, old.serial);
      return [...end, ...take(false)];
    },
  };
}

/** Bytes appended in small writes, taken out as one array (one copy, no per-write arrays). */
class ByteCollector {
  private buffer = new Uint8Array(64 * 1024);
  length = 0;

  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + bytes.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  take(): Uint8Array {
    const out = this.buffer.slice(0, this.length);
    this.length = 0;
    return out;
  }

  /** Like take(), without the copy: the view is valid until the next append. */
  drain(): Uint8Array {
    const out = this.buffer.subarray(0, this.length);
    this.length = 0;
    return out;
  }
}
