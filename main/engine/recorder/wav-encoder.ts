/**
 * WAV writer for recordings: 16/24/32-bit integer or 32-bit float PCM.
 *
 * The header reserves a 36-byte JUNK chunk (as ffmpeg's `-rf64 auto` and broadcast WAV do):
 * readers skip it, and once the file passes 4 GiB the patches turn it into the RF64 `ds64`
 * chunk, so a long recording is one valid file instead of a split. Its sizes can be patched to
 * describe a file cut after any write (`patchesForLength`), which is how the recorder keeps a
 * SIGKILLed recording playable, like BUTT.
 */
import type { AudioFormat } from '../audio/audio-format';
import type { EncodedChunk, Encoder, HeaderPatch } from '../audio/encoder';
import { appError, type AppError } from '../../shared/errors';
import type { Appendable, ExistingFile, LiveHeader } from './file-capabilities';

export type WavSampleFormat = 'int16' | 'int24' | 'int32' | 'float32';

export interface WavOptions {
  format: AudioFormat;
  sampleFormat: WavSampleFormat;
  /** TPDF dither (+-1 LSB) when quantizing to 16 bit. Off by default: it breaks bit-exactness. */
  dither?: boolean;
  /** Seed of the dither noise, for reproducible files. */
  ditherSeed?: number;
}

const U32_MAX = 0xffff_ffff;
const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_* GUID after its first two bytes (the format tag). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const DS64_BODY = 28;

/** Where the fields that change as the file grows live. */
interface Layout {
  dataStart: number;
  /** Offset of the JUNK/ds64 chunk header, when the file has that slot. */
  ds64At?: number;
  /** Offset of the fact chunk's sample count (float files). */
  factAt?: number;
  dataSizeAt: number;
}

export class WavEncoder implements Encoder, LiveHeader, Appendable {
  readonly codec = 'wav' as const;
  readonly mimeType = 'audio/wav';
  readonly extension = 'wav';
  readonly implementation = 'PCM (Airtight)';
  readonly inputFormat: AudioFormat;
  readonly sampleFormat: WavSampleFormat;
  readonly bytesPerSample: number;
  readonly blockAlign: number;

  private readonly dither: boolean;
  private random: number;
  private layout: Layout;
  /** False when continuing an existing file: then single fields are patched, not our header. */
  private ownHeader: boolean;
  private headerSent = false;
  /** Audio bytes already in an appended file. */
  private existingData = 0;
  private newData = 0;
  private flushed = false;

  constructor(options: WavOptions) {
    this.inputFormat = { ...options.format };
    this.sampleFormat = options.sampleFormat;
    this.bytesPerSample = options.sampleFormat === 'int16' ? 2 : options.sampleFormat === 'int24' ? 3 : 4;
    this.blockAlign = this.bytesPerSample * options.format.channels;
    this.dither = options.dither === true && options.sampleFormat === 'int16';
    this.random = (options.ditherSeed ?? 0x9e3779b9) >>> 0 || 1;
    this.layout = ownLayout(this.sampleFormat, this.inputFormat.channels);
    this.ownHeader = true;
  }

  /** Bytes before the audio data of the file this encoder writes. */
  get headerBytes(): number {
    return this.layout.dataStart;
  }

  encode(samples: Float32Array): EncodedChunk[] {
    const channels = this.inputFormat.channels;
    const frames = Math.floor(samples.length / channels);
    const chunks: EncodedChunk[] = [];
    if (!this.headerSent) chunks.push(this.headerChunk());
    if (frames === 0) return chunks;
    const bytes = this.quantize(samples, frames * channels);
    this.newData += bytes.length;
    chunks.push({ bytes, frames });
    return chunks;
  }

  flush(): EncodedChunk[] {
    if (this.flushed) return [];
    this.flushed = true;
    const chunks: EncodedChunk[] = [];
    if (!this.headerSent) chunks.push(this.headerChunk());
    // RIFF chunks have even sizes: an odd data chunk (24-bit mono, odd frames) gets a pad byte.
    if (this.dataBytes % 2 === 1) chunks.push({ bytes: new Uint8Array(1), frames: 0 });
    return chunks;
  }

  finalPatches(): HeaderPatch[] {
    const pad = this.dataBytes % 2;
    return this.patchesForLength(this.layout.dataStart + this.dataBytes + pad);
  }

  patchesForLength(fileBytes: number): HeaderPatch[] {
    const inFile = Math.max(0, fileBytes - this.layout.dataStart);
    const data = Math.min(this.dataBytes, inFile - (inFile % this.blockAlign));
    const riff = this.layout.dataStart - 8 + data + (data % 2);
    const frames = data / this.blockAlign;
    const rf64 = this.layout.ds64At !== undefined && (riff > U32_MAX || data > U32_MAX);
    if (this.ownHeader) {
      return [{ offset: 0, bytes: buildHeader(this.sampleFormat, this.inputFormat, { riff, data, frames, rf64 }) }];
    }
    const patches: HeaderPatch[] = [];
    const head = new DataView(new ArrayBuffer(8));
    writeAscii(head, 0, rf64 ? 'RF64' : 'RIFF');
    head.setUint32(4, rf64 ? U32_MAX : Math.min(riff, U32_MAX), true);
    patches.push({ offset: 0, bytes: new Uint8Array(head.buffer) });
    if (this.layout.ds64At !== undefined) {
      const slot = new DataView(new ArrayBuffer(8 + DS64_BODY));
      writeDs64(slot, 0, rf64, riff, data, frames);
      patches.push({ offset: this.layout.ds64At, bytes: new Uint8Array(slot.buffer) });
    }
    if (this.layout.factAt !== undefined) patches.push(u32Patch(this.layout.factAt, rf64 ? U32_MAX : Math.min(frames, U32_MAX)));
    patches.push(u32Patch(this.layout.dataSizeAt, rf64 ? U32_MAX : Math.min(data, U32_MAX)));
    return patches;
  }

  prepareAppend(file: ExistingFile): { writeAt: number } | AppError {
    if (this.headerSent) return appError('RECORDER_APPEND_REFUSED', 'Cannot append: this WAV encoder has already started a file.');
    const parsed = parseWav(file, this.sampleFormat, this.inputFormat);
    if ('code' in parsed) return parsed;
    this.layout = parsed.layout;
    this.ownHeader = false;
    this.headerSent = true;
    this.existingData = parsed.existingData;
    return { writeAt: parsed.layout.dataStart + parsed.existingData };
  }

  close(): void {
    // Nothing native to release.
  }

  private get dataBytes(): number {
    return this.existingData + this.newData;
  }

  private headerChunk(): EncodedChunk {
    this.headerSent = true;
    const bytes = buildHeader(this.sampleFormat, this.inputFormat, { riff: this.layout.dataStart - 8, data: 0, frames: 0, rf64: false });
    return { bytes, frames: 0, header: true };
  }

  private quantize(samples: Float32Array, count: number): Uint8Array {
    const out = new Uint8Array(count * this.bytesPerSample);
    const view = new DataView(out.buffer);
    switch (this.sampleFormat) {
      case 'float32':
        for (let i = 0; i < count; i++) view.setFloat32(i * 4, samples[i]!, true);
        break;
      case 'int16':
        for (let i = 0; i < count; i++) {
          const noise = this.dither ? this.nextUniform() - this.nextUniform() : 0;
          view.setInt16(i * 2, toInt(samples[i]!, 32768, noise), true);
        }
        break;
      case 'int24':
        for (let i = 0; i < count; i++) {
          const value = toInt(samples[i]!, 8388608, 0);
          out[i * 3] = value & 0xff;
          out[i * 3 + 1] = (value >> 8) & 0xff;
          out[i * 3 + 2] = (value >> 16) & 0xff;
        }
        break;
      case 'int32':
        for (let i = 0; i < count; i++) view.setInt32(i * 4, toInt(samples[i]!, 2147483648, 0), true);
        break;
    }
    return out;
  }

  /** xorshift32: cheap, deterministic noise for the dither. */
  private nextUniform(): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random / 4294967296;
  }
}

/** Float (nominal -1..+1) to a signed integer of full scale `scale`; NaN becomes 0. */
function toInt(sample: number, scale: number, noise: number): number {
  const value = Math.round(sample * scale + noise);
  if (value >= scale) return scale - 1;
  if (value < -scale) return -scale;
  return Number.isNaN(value) ? 0 : value;
}

function usesExtensible(sampleFormat: WavSampleFormat, channels: number): boolean {
  return sampleFormat !== 'int16' || channels > 2;
}

function ownLayout(sampleFormat: WavSampleFormat, channels: number): Layout {
  const fmtBody = usesExtensible(sampleFormat, channels) ? 40 : 16;
  const fmtEnd = 12 + 8 + DS64_BODY + 8 + fmtBody;
  const factAt = sampleFormat === 'float32' ? fmtEnd + 8 : undefined;
  const dataAt = factAt === undefined ? fmtEnd : fmtEnd + 12;
  return { dataStart: dataAt + 8, ds64At: 12, ...(factAt === undefined ? {} : { factAt }), dataSizeAt: dataAt + 4 };
}

function buildHeader(
  sampleFormat: WavSampleFormat,
  format: AudioFormat,
  sizes: { riff: number; data: number; frames: number; rf64: boolean },
): Uint8Array {
  const layout = ownLayout(sampleFormat, format.channels);
  const view = new DataView(new ArrayBuffer(layout.dataStart));
  const bytesPerSample = sampleFormat === 'int16' ? 2 : sampleFormat === 'int24' ? 3 : 4;
  const blockAlign = bytesPerSample * format.channels;
  const extensible = usesExtensible(sampleFormat, format.channels);
  const tag = sampleFormat === 'float32' ? FORMAT_FLOAT : FORMAT_PCM;
  writeAscii(view, 0, sizes.rf64 ? 'RF64' : 'RIFF');
  view.setUint32(4, sizes.rf64 ? U32_MAX : sizes.riff, true);
  writeAscii(view, 8, 'WAVE');
  writeDs64(view, 12, sizes.rf64, sizes.riff, sizes.data, sizes.frames);
  let at = 12 + 8 + DS64_BODY;
  writeAscii(view, at, 'fmt ');
  view.setUint32(at + 4, extensible ? 40 : 16, true);
  view.setUint16(at + 8, extensible ? FORMAT_EXTENSIBLE : tag, true);
  view.setUint16(at + 10, format.channels, true);
  view.setUint32(at + 12, format.sampleRate, true);
  view.setUint32(at + 16, format.sampleRate * blockAlign, true);
  view.setUint16(at + 20, blockAlign, true);
  view.setUint16(at + 22, bytesPerSample * 8, true);
  if (extensible) {
    view.setUint16(at + 24, 22, true);
    view.setUint16(at + 26, bytesPerSample * 8, true);
    view.setUint32(at + 28, channelMask(format.channels), true);
    view.setUint16(at + 32, tag, true);
    GUID_TAIL.forEach((byte, i) => view.setUint8(at + 34 + i, byte));
  }
  at += 8 + (extensible ? 40 : 16);
  if (layout.factAt !== undefined) {
    writeAscii(view, at, 'fact');
    view.setUint32(at + 4, 4, true);
    view.setUint32(at + 8, sizes.rf64 ? U32_MAX : sizes.frames, true);
    at += 12;
  }
  writeAscii(view, at, 'data');
  view.setUint32(at + 4, sizes.rf64 ? U32_MAX : sizes.data, true);
  return new Uint8Array(view.buffer);
}

/** The 36-byte slot: a JUNK chunk while the file is small, the RF64 ds64 chunk beyond 4 GiB. */
function writeDs64(view: DataView, at: number, rf64: boolean, riff: number, data: number, frames: number): void {
  writeAscii(view, at, rf64 ? 'ds64' : 'JUNK');
  view.setUint32(at + 4, DS64_BODY, true);
  for (let i = 0; i < DS64_BODY; i++) view.setUint8(at + 8 + i, 0);
  if (!rf64) return;
  view.setBigUint64(at + 8, BigInt(riff), true);
  view.setBigUint64(at + 16, BigInt(data), true);
  view.setBigUint64(at + 24, BigInt(frames), true);
  // table length (at + 32) stays 0
}

function channelMask(channels: number): number {
  if (channels === 1) return 0x4; // front centre
  if (channels === 2) return 0x3; // front left, front right
  return channels >= 32 ? U32_MAX : (2 ** channels - 1) >>> 0;
}

function writeAscii(view: DataView, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i));
}

function readAscii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function u32Patch(offset: number, value: number): HeaderPatch {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return { offset, bytes };
}

/** Reads an existing WAV's layout; refuses a different format or data followed by other chunks. */
function parseWav(
  file: ExistingFile,
  sampleFormat: WavSampleFormat,
  format: AudioFormat,
): { layout: Layout; existingData: number } | AppError {
  const refuse = (why: string): AppError => appError('RECORDER_APPEND_REFUSED', `Cannot append to this WAV file: ${why}`);
  const head = file.read(0, Math.min(file.size, 65536));
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < 12 || !['RIFF', 'RF64'].includes(readAscii(head, 0)) || readAscii(head, 8) !== 'WAVE') {
    return refuse('it is not a WAV file.');
  }
  let ds64At: number | undefined;
  let ds64Data: number | undefined;
  let factAt: number | undefined;
  let fmt: { tag: number; channels: number; rate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= head.length) {
    const id = readAscii(head, at);
    const size = view.getUint32(at + 4, true);
    if (id === 'data') {
      if (fmt === undefined) return refuse('its audio data comes before its format chunk.');
      const bits = sampleFormat === 'int16' ? 16 : sampleFormat === 'int24' ? 24 : 32;
      const isFloat = fmt.tag === FORMAT_FLOAT;
      if (fmt.channels !== format.channels || fmt.rate !== format.sampleRate || fmt.bits !== bits || isFloat !== (sampleFormat === 'float32')) {
        return refuse(
          `it holds ${fmt.channels} ch, ${fmt.rate} Hz, ${fmt.bits}-bit ${isFloat ? 'float' : 'integer'} audio; this recording is ${format.channels} ch, ${format.sampleRate} Hz, ${sampleFormat}.`,
        );
      }
      if (fmt.tag !== FORMAT_PCM && fmt.tag !== FORMAT_FLOAT) return refuse(`its audio is compressed (format ${fmt.tag}).`);
      const dataStart = at + 8;
      const declared = size === U32_MAX && ds64Data !== undefined ? ds64Data : size;
      const declaredEnd = dataStart + declared + (declared % 2);
      // More bytes than declared: either the last write of a killed recording (keep them) or
      // chunks after the audio, such as tags (appending after those would corrupt the file).
      if (size !== U32_MAX && size !== 0 && file.size >= declaredEnd + 8 && /^[A-Za-z0-9 _]{4}$/.test(readAscii(file.read(declaredEnd, 4), 0))) {
        return refuse('it has other chunks (such as tags) after its audio.');
      }
      const blockAlign = (bits / 8) * format.channels;
      const available = Math.max(0, file.size - dataStart);
      return {
        layout: { dataStart, ...(ds64At === undefined ? {} : { ds64At }), ...(factAt === undefined ? {} : { factAt }), dataSizeAt: at + 4 },
        existingData: available - (available % blockAlign),
      };
    }
    if (id === 'fmt ' && size >= 16 && at + 8 + 16 <= head.length) {
      let tag = view.getUint16(at + 8, true);
      if (tag === FORMAT_EXTENSIBLE && size >= 40 && at + 8 + 26 <= head.length) tag = view.getUint16(at + 32, true);
      fmt = { tag, channels: view.getUint16(at + 10, true), rate: view.getUint32(at + 12, true), bits: view.getUint16(at + 22, true) };
    } else if ((id === 'JUNK' || id === 'ds64') && size === DS64_BODY && at === 12) {
      ds64At = at;
      if (id === 'ds64') ds64Data = Number(view.getBigUint64(at + 16, true));
    } else if (id === 'fact' && size >= 4) {
      factAt = at + 8;
    }
    at += 8 + size + (size % 2);
  }
  return refuse('no audio data chunk was found in its first 64 KiB.');
}
