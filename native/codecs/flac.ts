/**
 * The machine's libFLAC (libFLAC.so.12, Debian's libflac12, built with Ogg support) through
 * koffi: just the stream encoder calls the FLAC and Ogg FLAC encoders need. The C prototypes
 * follow libFLAC's public include/FLAC/stream_encoder.h and format.h.
 *
 * Output goes through a write callback (no seek/tell callbacks: the encoder never rewrites
 * what it wrote); the final STREAMINFO (total samples, MD5) comes to the metadata callback at
 * finish(), and the recorder patches it into the file itself.
 */
import type { IKoffiCType, IKoffiLib, IKoffiRegisteredCallback } from 'koffi';
import { appError, AppErrorException } from '../../main/shared/errors';
import { loadSystemLibrary } from './system-library';

export const LIBFLAC_SONAME = 'libFLAC.so.12';
/** Where LIBFLAC_SONAME comes from on Debian/Ubuntu, for the operator's message. */
export const LIBFLAC_PACKAGE = 'libflac12';

/** STREAMINFO as libFLAC reports it at finish() (the md5sum as 32 hex digits). */
export interface FlacStreamInfo {
  min_blocksize: number;
  max_blocksize: number;
  min_framesize: number;
  max_framesize: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  total_samples: number;
  md5sum: string;
}

export interface NativeFlacOptions {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 0..8, as `flac -0..-8`. */
  compression: number;
  /** Ogg FLAC with this serial number; native FLAC when absent. */
  oggSerial?: number;
  /**
   * Every write libFLAC makes: `samples` is 0 for metadata (and Ogg page headers). `bytes` views
   * libFLAC's own buffer and is valid only during the call: copy what you keep.
   */
  onWrite(bytes: Uint8Array, samples: number): void;
  /** The final STREAMINFO, once, from finish(). */
  onStreamInfo(info: FlacStreamInfo): void;
}

export interface NativeFlacEncoder {
  /** Interleaved samples, `frames` per channel; throws FLAC_ENCODE_FAILED with libFLAC's state. */
  process(samples: Int32Array, frames: number): void;
  /** Encodes what is buffered (the last short block) and reports STREAMINFO. */
  finish(): void;
  /** Frees the encoder and its callbacks. Safe to call twice; nothing is touched afterwards. */
  close(): void;
}

export interface LibFlac {
  soname: string;
  /** FLAC__VERSION_STRING, e.g. "1.4.2". */
  version: string;
  createEncoder(options: NativeFlacOptions): NativeFlacEncoder;
}

export type LibFlacResult = { ok: true; flac: LibFlac } | { ok: false; reason: string };

type Pointer = unknown;

interface Functions {
  encoderNew(): Pointer;
  encoderDelete(encoder: Pointer): void;
  setOggSerialNumber(encoder: Pointer, serial: number): number;
  setVerify(encoder: Pointer, value: number): number;
  setStreamableSubset(encoder: Pointer, value: number): number;
  setChannels(encoder: Pointer, value: number): number;
  setBitsPerSample(encoder: Pointer, value: number): number;
  setSampleRate(encoder: Pointer, value: number): number;
  setCompressionLevel(encoder: Pointer, value: number): number;
  initStream(encoder: Pointer, write: IKoffiRegisteredCallback, seek: null, tell: null, metadata: IKoffiRegisteredCallback, clientData: null): number;
  initOggStream(encoder: Pointer, read: null, write: IKoffiRegisteredCallback, seek: null, tell: null, metadata: IKoffiRegisteredCallback, clientData: null): number;
  processInterleaved(encoder: Pointer, buffer: Int32Array, samples: number): number;
  finish(encoder: Pointer): number;
  getResolvedStateString(encoder: Pointer): string;
  /** libc memcpy with the source as an address (see `declare`). */
  copyFrom(dest: Uint8Array, source: number, length: number): void;
}

interface Binding {
  fn: Functions;
  koffi: typeof import('koffi');
  writeProto: IKoffiCType;
  metadataProto: IKoffiCType;
  metadataType: IKoffiCType;
  metadataSize: number;
  initStatusStrings: string[];
}

/** FLAC__METADATA_TYPE_STREAMINFO; FLAC__STREAM_ENCODER_WRITE_STATUS_OK / _FATAL_ERROR. */
const METADATA_STREAMINFO = 0;
const WRITE_OK = 0;
const WRITE_FATAL = 1;
/** FLAC__StreamEncoderInitStatusString has one entry per FLAC__StreamEncoderInitStatus (14 in 1.4). */
const INIT_STATUS_COUNT = 14;

// One binding per thread: koffi's handles and registered callbacks belong to the isolate
// that made them, and this module is instantiated once per worker thread.
const bindings = new Map<string, LibFlacResult>();

/** libFLAC from the system, loaded once per thread; a reason when it is missing or unusable. */
export function loadLibFlac(soname: string = LIBFLAC_SONAME): LibFlacResult {
  const known = bindings.get(soname);
  if (known) return known;
  const result = bind(soname);
  bindings.set(soname, result);
  return result;
}

function bind(soname: string): LibFlacResult {
  const loaded = loadSystemLibrary(soname);
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    const binding = declare(koffi, loaded.lib);
    const version = koffi.decode(loaded.lib.symbol('FLAC__VERSION_STRING', 'const char *'), 'const char *') as string;
    return { ok: true, flac: { soname, version, createEncoder: (options) => createEncoder(binding, options) } };
  } catch (error) {
    // A library of that name without these symbols (or without Ogg support) is no libFLAC we can use.
    return { ok: false, reason: `${soname} is not a usable libFLAC: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function declare(koffi: typeof import('koffi'), lib: IKoffiLib): Binding {
  const streamInfo = koffi.struct({
    min_blocksize: 'uint32_t',
    max_blocksize: 'uint32_t',
    min_framesize: 'uint32_t',
    max_framesize: 'uint32_t',
    sample_rate: 'uint32_t',
    channels: 'uint32_t',
    bits_per_sample: 'uint32_t',
    total_samples: 'uint64_t',
    md5sum: koffi.array('uint8_t', 16, 'Array'),
  });
  // FLAC__StreamMetadata up to the member of its union we read (stream_info).
  const metadataType = koffi.struct({ type: 'int', is_last: 'int', length: 'uint32_t', stream_info: streamInfo });
  // The callbacks take their pointers as plain addresses (same registers, same ABI): a pointer
  // argument makes koffi build a JS object before calling JS, and that aborts the whole process
  // when the worker thread is being terminated (worker.terminate() during an encode). The bytes
  // are copied out with libc's memcpy instead.
  const writeProto = koffi.proto('int (uint64_t encoder, uint64_t buffer, size_t bytes, uint32_t samples, uint32_t current_frame, uint64_t client_data)');
  const metadataProto = koffi.proto('void (uint64_t encoder, uint64_t metadata, uint64_t client_data)');
  const libc = loadSystemLibrary('libc.so.6');
  if (!libc.ok) throw new Error(libc.reason);
  const writeCb = koffi.pointer(writeProto);
  const metadataCb = koffi.pointer(metadataProto);
  const fn: Functions = {
    encoderNew: lib.func('void *FLAC__stream_encoder_new(void)'),
    encoderDelete: lib.func('void FLAC__stream_encoder_delete(void *encoder)'),
    setOggSerialNumber: lib.func('int FLAC__stream_encoder_set_ogg_serial_number(void *encoder, long serial_number)'),
    setVerify: lib.func('int FLAC__stream_encoder_set_verify(void *encoder, int value)'),
    setStreamableSubset: lib.func('int FLAC__stream_encoder_set_streamable_subset(void *encoder, int value)'),
    setChannels: lib.func('int FLAC__stream_encoder_set_channels(void *encoder, uint32_t value)'),
    setBitsPerSample: lib.func('int FLAC__stream_encoder_set_bits_per_sample(void *encoder, uint32_t value)'),
    setSampleRate: lib.func('int FLAC__stream_encoder_set_sample_rate(void *encoder, uint32_t value)'),
    setCompressionLevel: lib.func('int FLAC__stream_encoder_set_compression_level(void *encoder, uint32_t value)'),
    initStream: lib.func('FLAC__stream_encoder_init_stream', 'int', ['void *', writeCb, 'void *', 'void *', metadataCb, 'void *']),
    initOggStream: lib.func('FLAC__stream_encoder_init_ogg_stream', 'int', ['void *', 'void *', writeCb, 'void *', 'void *', metadataCb, 'void *']),
    processInterleaved: lib.func('int FLAC__stream_encoder_process_interleaved(void *encoder, const int32_t *buffer, uint32_t samples)'),
    finish: lib.func('int FLAC__stream_encoder_finish(void *encoder)'),
    getResolvedStateString: lib.func('const char *FLAC__stream_encoder_get_resolved_state_string(const void *encoder)'),
    copyFrom: libc.lib.func('void memcpy(_Out_ uint8_t *dest, uint64_t source, size_t length)'),
  } as Functions;
  const initStatusStrings = koffi.decode(
    lib.symbol('FLAC__StreamEncoderInitStatusString', koffi.array('const char *', INIT_STATUS_COUNT, 'Array')),
    koffi.array('const char *', INIT_STATUS_COUNT, 'Array'),
  ) as string[];
  return { fn, koffi, writeProto, metadataProto, metadataType, metadataSize: koffi.sizeof(metadataType), initStatusStrings };
}

function createEncoder(b: Binding, options: NativeFlacOptions): NativeFlacEncoder {
  const { fn, koffi } = b;
  let encoder: Pointer | null = fn.encoderNew();
  if (!encoder) throw new AppErrorException(appError('FLAC_INIT_FAILED', 'The FLAC encoder could not be created (out of memory)'));
  const ogg = options.oggSerial !== undefined;
  const settingsOk =
    (!ogg || fn.setOggSerialNumber(encoder, options.oggSerial!) !== 0) &&
    fn.setVerify(encoder, 0) !== 0 &&
    fn.setStreamableSubset(encoder, 1) !== 0 && // listeners' decoders may rely on the subset
    fn.setChannels(encoder, options.channels) !== 0 &&
    fn.setBitsPerSample(encoder, options.bitsPerSample) !== 0 &&
    fn.setSampleRate(encoder, options.sampleRate) !== 0 &&
    fn.setCompressionLevel(encoder, options.compression) !== 0;
  if (!settingsOk) {
    fn.encoderDelete(encoder);
    throw new AppErrorException(appError('FLAC_INIT_FAILED', 'The FLAC encoder refused its settings'));
  }

  // A callback must never throw into C: a failing consumer becomes libFLAC's fatal write status.
  let scratch = new Uint8Array(16 * 1024);
  const write = koffi.register((_enc: number, buffer: number, bytes: number, samples: number): number => {
    try {
      if (scratch.length < bytes) scratch = new Uint8Array(Math.max(bytes, scratch.length * 2));
      const view = scratch.subarray(0, bytes);
      fn.copyFrom(view, buffer, bytes);
      options.onWrite(view, samples);
      return WRITE_OK;
    } catch {
      return WRITE_FATAL;
    }
  }, koffi.pointer(b.writeProto));
  const metadata = koffi.register((_enc: number, block: number): void => {
    const raw = new Uint8Array(b.metadataSize);
    fn.copyFrom(raw, block, raw.length);
    const m = koffi.decode(raw, b.metadataType) as { type: number; stream_info: RawStreamInfo };
    if (m.type === METADATA_STREAMINFO) options.onStreamInfo(streamInfoFrom(m.stream_info));
  }, koffi.pointer(b.metadataProto));

  const release = (): void => {
    if (!encoder) return;
    fn.encoderDelete(encoder); // may still write the last frames: the callbacks go after it
    encoder = null;
    koffi.unregister(write);
    koffi.unregister(metadata);
  };

  const status = ogg
    ? fn.initOggStream(encoder, null, write, null, null, metadata, null)
    : fn.initStream(encoder, write, null, null, metadata, null);
  if (status !== 0) {
    const state = fn.getResolvedStateString(encoder);
    release();
    const name = b.initStatusStrings[status] ?? `status ${status}`;
    throw new AppErrorException(appError('FLAC_INIT_FAILED', `The FLAC encoder refused its settings (${name})`, `encoder state ${state}`));
  }

  return {
    process(samples: Int32Array, frames: number): void {
      if (!encoder) return;
      if (fn.processInterleaved(encoder, samples, frames) === 0) {
        throw new AppErrorException(appError('FLAC_ENCODE_FAILED', `The FLAC encoder failed (${fn.getResolvedStateString(encoder)})`));
      }
    },
    finish(): void {
      if (!encoder) return;
      if (fn.finish(encoder) === 0) {
        throw new AppErrorException(appError('FLAC_ENCODE_FAILED', `The FLAC encoder failed at the end (${fn.getResolvedStateString(encoder)})`));
      }
    },
    close: release,
  };
}

interface RawStreamInfo {
  min_blocksize: number;
  max_blocksize: number;
  min_framesize: number;
  max_framesize: number;
  sample_rate: number;
  channels: number;
  bits_per_sample: number;
  total_samples: number | bigint;
  md5sum: number[];
}

function streamInfoFrom(raw: RawStreamInfo): FlacStreamInfo {
  return {
    min_blocksize: raw.min_blocksize,
    max_blocksize: raw.max_blocksize,
    min_framesize: raw.min_framesize,
    max_framesize: raw.max_framesize,
    sampleRate: raw.sample_rate,
    channels: raw.channels,
    bitsPerSample: raw.bits_per_sample,
    total_samples: Number(raw.total_samples),
    md5sum: raw.md5sum.map((byte) => byte.toString(16).padStart(2, '0')).join(''),
  };
}
