/**
 * Every codec end to end: a 997 Hz sine at -6 dBFS, stereo, encoded through createEncoder,
 * written to a file and decoded by the real ffmpeg: duration, frequency and level must come
 * out right, chunks must be whole units, and FLAC must be bit-exact.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import type { EncodedChunk, Encoder } from '../../main/engine/audio/encoder';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { createMp3 } from '../../main/engine/audio/encoders/mp3-encoder';
import { createFlac } from '../../main/engine/audio/encoders/flac-encoder';
import { EncoderSettingsSchema, type FlacSettings } from '../../main/engine/audio/encoders/encoder-settings';
import { createVorbis } from '../../main/engine/audio/encoders/vorbis-encoder';
import { encoderStartLines } from '../../main/engine/audio/encoders/describe-encoder';
import type { EncoderImplementation } from '../../native/codecs/system-library';
import { AppErrorException, type AppError } from '../../main/shared/errors';
import { parseAdtsHeader, parseMp3Header } from '../../main/engine/audio/encoders/mpeg-frames';
import { OggPageSplitter, pageCrcIsValid, HEADER_BOS, HEADER_EOS } from '../../main/engine/audio/encoders/ogg-page';
import { quantize } from '../../main/engine/audio/encoders/pcm';
import { FrameLedger } from '../../main/engine/audio/encoders/frame-ledger';
import { VorbisRepager } from '../../main/engine/audio/encoders/vorbis-pages';
import { createOggEncoder } from 'wasm-media-encoders';
import {
  TONE_RMS_DB,
  TempDir,
  decode,
  encodeAll,
  ffprobe,
  measureTone,
  run,
  sine,
  totalFrames,
  writeBytes,
  writeChunks,
} from './audio-check';

const SECONDS = 3;
const tmp = new TempDir();
afterAll(() => tmp.remove());

async function make(settings: unknown, sampleRate: number, channels = 2): Promise<Encoder> {
  const result = await createEncoder(settings, { sampleRate, channels });
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.encoder;
}

function expectTone(decoded: Float32Array, rate: number): void {
  const report = measureTone(decoded, rate);
  for (let c = 0; c < 2; c++) {
    expect(Math.abs(report.rmsDb[c]! - TONE_RMS_DB), `level ch${c}: ${report.rmsDb[c]} dB`).toBeLessThan(0.5);
    expect(Math.abs(report.hz[c]! - 997), `frequency ch${c}: ${report.hz[c]} Hz`).toBeLessThan(1);
    expect(report.toneOverNeighboursDb[c], `997 Hz over neighbours ch${c}`).toBeGreaterThan(30);
  }
}

/** Every chunk is a run of whole MPEG/ADTS frames. */
function expectWholeFrames(chunks: EncodedChunk[], parse: typeof parseMp3Header): number {
  let count = 0;
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.bytes.length) {
      const info = parse(chunk.bytes, at);
      expect(info, `frame header at byte ${at} of a ${chunk.bytes.length}-byte chunk`).not.toBeNull();
      at += info!.length;
      count++;
    }
    expect(at).toBe(chunk.bytes.length);
  }
  return count;
}

/** Every chunk is one or more whole Ogg pages with valid CRCs; returns all pages in order. */
function expectWholePages(chunks: EncodedChunk[]) {
  const pages = [];
  for (const chunk of chunks) {
    expect(String.fromCharCode(...chunk.bytes.subarray(0, 4))).toBe('OggS');
    const splitter = new OggPageSplitter();
    const got = splitter.push(chunk.bytes);
    expect(splitter.leftover, 'bytes after the last whole page of a chunk').toBe(0);
    for (const p of got) expect(pageCrcIsValid(p.bytes)).toBe(true);
    pages.push(...got);
  }
  expect(pages[0]!.headerType & HEADER_BOS).toBe(HEADER_BOS);
  expect(pages[pages.length - 1]!.headerType & HEADER_EOS).toBe(HEADER_EOS);
  return pages;
}

function expectHeadersFirst(chunks: EncodedChunk[]): void {
  expect(chunks[0]!.header).toBe(true);
  const firstAudio = chunks.findIndex((c) => !c.header);
  expect(chunks.slice(firstAudio).some((c) => c.header)).toBe(false);
  for (const c of chunks) if (c.header) expect(c.frames).toBe(0);
}

/** MP3 and Vorbis run through the machine's library ('system') and the WebAssembly build ('wasm'). */
const IMPLEMENTATIONS = ['system', 'wasm'] as const;

async function makeWith(settings: unknown, sampleRate: number, implementation: EncoderImplementation, channels = 2): Promise<Encoder> {
  const result = await createEncoder(settings, { sampleRate, channels }, implementation);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.encoder;
}

/** A music-like stereo signal (tones, a beat, noise): what a bitrate target is tuned for, unlike a pure tone. */
function musicLike(seconds: number, rate: number): Float32Array {
  const frames = seconds * rate;
  const out = new Float32Array(frames * 2);
  let seed = 1;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    const beat = Math.exp(-((t * 2) % 1) * 8);
    const tones = 0.12 * Math.sin(2 * Math.PI * 220 * t) + 0.08 * Math.sin(2 * Math.PI * 997 * t) + 0.05 * Math.sin(2 * Math.PI * 3150 * t);
    out[i * 2] = tones + 0.1 * beat * noise() + 0.01 * noise();
    out[i * 2 + 1] = tones * 0.8 + 0.1 * beat * noise() + 0.01 * noise();
  }
  return out;
}

describe.each(IMPLEMENTATIONS)('MP3 (LAME, %s)', (implementation) => {
  for (const [label, settings] of [
    ['CBR 128 kbps', { codec: 'mp3', mode: 'cbr', bitrateKbps: 128 }],
    ['VBR V2', { codec: 'mp3', mode: 'vbr', vbrQuality: 2 }],
    ['ABR 160 kbps', { codec: 'mp3', mode: 'abr', bitrateKbps: 160 }],
  ] as const) {
    it(`${label}: whole frames, decodes to the tone at the right length and level`, async () => {
      const rate = 44100;
      const input = sine(SECONDS, rate);
      const encoder = await makeWith(settings, rate, implementation);
      expect(encoder.mimeType).toBe('audio/mpeg');
      expect(encoder.implementation).toMatch(implementation === 'system' ? /^libmp3lame\.so\.0 \(LAME \d/ : /WebAssembly/);
      const { chunks } = await encodeAll(encoder, input);
      encoder.close();
      encoder.close(); // twice is safe
      expect(encoder.encode(input.subarray(0, 2000))).toEqual([]); // and nothing reaches a freed encoder
      expect(encoder.flush()).toEqual([]);
      const frames = expectWholeFrames(chunks, parseMp3Header);
      expect(totalFrames(chunks)).toBe(input.length / 2);
      const file = tmp.file(`tone-${settings.mode}-${implementation}.mp3`);
      writeChunks(file, chunks);
      const decoded = decode(file, rate);
      // No LAME/Xing tag on a stream: the decoder keeps the encoder delay and frame padding.
      const extra = decoded.length / 2 - input.length / 2;
      expect(extra).toBeGreaterThanOrEqual(0);
      expect(extra).toBeLessThanOrEqual(1105 + 1152);
      expect(decoded.length / 2).toBe(frames * 1152);
      expectTone(decoded, rate);
      if (settings.mode === 'cbr') {
        const probe = ffprobe(file);
        expect(Number(probe.streams[0]!.bit_rate)).toBe(128000);
      }
    });
  }

  it('mono: one channel in, a mono MP3 out that decodes to the tone', async () => {
    const rate = 44100;
    const input = sine(SECONDS, rate, 1);
    const encoder = await makeWith({ codec: 'mp3', mode: 'cbr', bitrateKbps: 64 }, rate, implementation, 1);
    const { chunks } = await encodeAll(encoder, input);
    encoder.close();
    expect(totalFrames(chunks)).toBe(input.length);
    const file = tmp.file(`mono-${implementation}.mp3`);
    writeChunks(file, chunks);
    expect(ffprobe(file).streams[0]!.channels).toBe(1);
    const report = measureTone(decode(file, rate, 1), rate, 1);
    expect(Math.abs(report.hz[0]! - 997)).toBeLessThan(1);
    expect(Math.abs(report.rmsDb[0]! - TONE_RMS_DB)).toBeLessThan(0.5);
  });
});

describe('MP3 through the system library', () => {
  it("ABR is LAME's real ABR: a 20 s music-like signal averages near the 160 kbps target", async () => {
    const rate = 44100;
    const input = musicLike(20, rate);
    const encoder = await makeWith({ codec: 'mp3', mode: 'abr', bitrateKbps: 160 }, rate, 'system');
    const { chunks } = await encodeAll(encoder, input, 1024);
    encoder.close();
    const file = tmp.file('abr-160.mp3');
    writeChunks(file, chunks);
    const probe = ffprobe(file);
    const kbps = (Number(probe.format.size) * 8) / Number(probe.format.duration) / 1000;
    expect(kbps, `average ${kbps.toFixed(1)} kbps`).toBeGreaterThan(160 * 0.9);
    expect(kbps, `average ${kbps.toFixed(1)} kbps`).toBeLessThan(160 * 1.1);
    // ABR varies the frame size (CBR would hold one bitrate index in every frame header).
    const indexes = new Set<number>();
    for (const c of chunks) for (let at = 0; at < c.bytes.length; at += parseMp3Header(c.bytes, at)!.length) indexes.add(c.bytes[at + 2]! >> 4);
    expect(indexes.size).toBeGreaterThan(1);
  });

  it("'system' without the library is ENCODER_LIBRARY_MISSING naming the library and the Debian package; 'auto' falls back and says why", async () => {
    const settings = { codec: 'mp3', mode: 'cbr', bitrateKbps: 128, vbrQuality: 4 } as const;
    const format = { sampleRate: 44100, channels: 2 };
    const missing = await createMp3(settings, format, 'system', { library: 'libmp3lame-absent.so.0' }).then(
      () => null,
      (error: unknown) => (error instanceof AppErrorException ? error.error : error),
    );
    expect(missing).toMatchObject({ code: 'ENCODER_LIBRARY_MISSING' });
    expect((missing as AppError).message).toContain('libmp3lame-absent.so.0');
    expect((missing as AppError).message).toContain('libmp3lame0');
    const fallback = await createMp3(settings, format, 'auto', { library: 'libmp3lame-absent.so.0' });
    expect(fallback.implementation).toMatch(/WebAssembly/);
    expect(fallback.fallback).toMatch(/libmp3lame-absent\.so\.0/);
    const chunks = [...fallback.encode(sine(1, 44100)), ...fallback.flush()];
    fallback.close();
    expect(totalFrames(chunks)).toBe(44100);
    const auto = await createMp3(settings, format, 'auto');
    expect(auto.implementation).toMatch(/^libmp3lame\.so\.0/);
    expect(auto.fallback).toBeUndefined();
    auto.close();
    // What the operator log gets for each (the engine writes these lines when an encoder starts).
    expect(encoderStartLines('Stream', 'MP3 128 kbps', fallback)).toEqual([
      { level: 'info', message: 'Stream encoder MP3 128 kbps: LAME (WebAssembly, wasm-media-encoders)' },
      {
        level: 'warn',
        message: 'Stream encoder MP3 128 kbps runs as WebAssembly (slower): the system library could not be used',
        error: { code: 'ENCODER_FALLBACK', message: expect.any(String), detail: fallback.fallback },
      },
    ]);
    expect(encoderStartLines('Stream', 'MP3 128 kbps', auto)).toHaveLength(1);
  });
});

describe('Ogg Vorbis (libvorbis wasm, re-paged)', () => {
  it('re-pages silence into ~100 ms pages with granules that agree with libvorbis', async () => {
    const rate = 44100;
    const ledger = new FrameLedger();
    const repager = new VorbisRepager(ledger, rate);
    const lib = await createOggEncoder();
    lib.configure({ channels: 2, sampleRate: rate, vbrQuality: 4 });
    const silence = [new Float32Array(rate * 10), new Float32Array(rate * 10)];
    ledger.addInput(rate * 10);
    const chunks = [...repager.push(lib.encode(silence)), ...repager.push(lib.finalize(), true)];
    expect(repager.granuleMismatches).toBe(0);
    const pages = expectWholePages(chunks);
    expect(pages.length).toBeGreaterThan(80); // libogg alone writes 2 audio pages for this
    expect(pages[pages.length - 1]!.granule).toBe(BigInt(rate * 10));
    expect(totalFrames(chunks)).toBe(rate * 10);
  });
});

describe.each(IMPLEMENTATIONS)('Ogg Vorbis (libvorbis, %s)', (implementation) => {
  for (const [label, settings] of [
    ['nominal 128 kbps', { codec: 'vorbis', mode: 'bitrate', nominalBitrateKbps: 128 }],
    ['quality 4', { codec: 'vorbis', mode: 'quality', quality: 4 }],
  ] as const) {
    it(`${label}: whole pages, header pages first, exact length after granule trimming`, async () => {
      const rate = 44100;
      const input = sine(SECONDS, rate);
      const encoder = await makeWith(settings, rate, implementation);
      expect(encoder.mimeType).toBe('audio/ogg');
      expect(encoder.implementation).toMatch(implementation === 'system' ? /^libvorbisenc\.so\.2 \(Xiph\.Org libVorbis/ : /WebAssembly/);
      const { chunks } = await encodeAll(encoder, input);
      encoder.close();
      encoder.close(); // twice is safe
      expect(encoder.encode(input.subarray(0, 2000))).toEqual([]); // and nothing reaches a freed encoder
      expect(encoder.flush()).toEqual([]);
      expectHeadersFirst(chunks);
      const pages = expectWholePages(chunks);
      expect(pages[pages.length - 1]!.granule).toBe(BigInt(input.length / 2));
      expect(totalFrames(chunks)).toBe(input.length / 2);
      // Re-paged: a page at least every ~100 ms (+ one packet), even for this very compressible tone.
      let previous = 0n;
      for (const p of pages.slice(2)) {
        expect(p.granule).toBeGreaterThan(previous);
        expect(p.granule - previous).toBeLessThanOrEqual(4410n + 2048n);
        previous = p.granule;
      }
      const file = tmp.file(`tone-${settings.mode}-${implementation}.ogg`);
      writeChunks(file, chunks);
      const decoded = decode(file, rate);
      expect(decoded.length).toBe(input.length);
      expectTone(decoded, rate);
      expect(run('ogginfo', [file]).code).toBe(0);
      expect(ffprobe(file).streams[0]!.codec_name).toBe('vorbis');
    });
  }

  it('mono: one channel in, a mono Vorbis stream out that decodes to the tone', async () => {
    const rate = 44100;
    const input = sine(SECONDS, rate, 1);
    const encoder = await makeWith({ codec: 'vorbis', mode: 'quality', quality: 2 }, rate, implementation, 1);
    const { chunks } = await encodeAll(encoder, input);
    encoder.close();
    expect(totalFrames(chunks)).toBe(input.length);
    const file = tmp.file(`mono-${implementation}.ogg`);
    writeChunks(file, chunks);
    expect(ffprobe(file).streams[0]!.channels).toBe(1);
    const decoded = decode(file, rate, 1);
    expect(decoded.length).toBe(input.length);
    const report = measureTone(decoded, rate, 1);
    expect(Math.abs(report.hz[0]! - 997)).toBeLessThan(1);
    expect(Math.abs(report.rmsDb[0]! - TONE_RMS_DB)).toBeLessThan(0.5);
  });
});

describe('Ogg Vorbis through the system library', () => {
  it('a nominal bitrate is encoded as such (vorbis_encode_init): a music-like signal averages near 128 kbps', async () => {
    const rate = 44100;
    const encoder = await makeWith({ codec: 'vorbis', mode: 'bitrate', nominalBitrateKbps: 128 }, rate, 'system');
    const { chunks } = await encodeAll(encoder, musicLike(20, rate), 1024);
    encoder.close();
    const file = tmp.file('vorbis-128.ogg');
    writeChunks(file, chunks);
    const probe = ffprobe(file);
    expect(Number(probe.streams[0]!.bit_rate), 'nominal bitrate in the identification header').toBe(128000);
    const kbps = (Number(probe.format.size) * 8) / Number(probe.format.duration) / 1000;
    expect(kbps, `average ${kbps.toFixed(1)} kbps`).toBeGreaterThan(128 * 0.85);
    expect(kbps, `average ${kbps.toFixed(1)} kbps`).toBeLessThan(128 * 1.15);
  });

  it("'system' without the library is ENCODER_LIBRARY_MISSING naming the library and the Debian package; 'auto' falls back and says why", async () => {
    const settings = { codec: 'vorbis', mode: 'quality', quality: 4, nominalBitrateKbps: 128 } as const;
    const format = { sampleRate: 44100, channels: 2 };
    const libraries = { enc: 'libvorbisenc-absent.so.2' };
    const missing = await createVorbis(settings, format, 'system', { libraries }).then(
      () => null,
      (error: unknown) => (error instanceof AppErrorException ? error.error : error),
    );
    expect(missing).toMatchObject({ code: 'ENCODER_LIBRARY_MISSING' });
    expect((missing as AppError).message).toContain('libvorbisenc-absent.so.2');
    expect((missing as AppError).message).toContain('libvorbisenc2');
    const fallback = await createVorbis(settings, format, 'auto', { libraries });
    expect(fallback.implementation).toMatch(/WebAssembly/);
    expect(fallback.fallback).toMatch(/libvorbisenc-absent\.so\.2/);
    const chunks = [...fallback.encode(sine(1, 44100)), ...fallback.flush()];
    fallback.close();
    expect(totalFrames(chunks)).toBe(44100);
  });

  it('settings libvorbis refuses are ENCODER_INIT_FAILED, not a missing library', async () => {
    // libvorbisenc has no setup for 500 kbps mono at 8 kHz.
    const result = await createEncoder({ codec: 'vorbis', mode: 'bitrate', nominalBitrateKbps: 500 }, { sampleRate: 8000, channels: 1 }, 'system');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('ENCODER_INIT_FAILED');
  });
});

describe('Ogg Opus (libopus + our Ogg writer)', () => {
  for (const [label, settings] of [
    ['VBR music 96 kbps', { codec: 'opus', bitrateKbps: 96, mode: 'vbr', application: 'music', complexity: 10 }],
    ['CBR speech 64 kbps', { codec: 'opus', bitrateKbps: 64, mode: 'cbr', application: 'speech', complexity: 5 }],
  ] as const) {
    it(`${label}: 48 kHz, pages every <= 100 ms, exact length with pre-skip and end trimming`, async () => {
      const rate = 48000;
      const input = sine(SECONDS, rate);
      const encoder = await make(settings, 44100); // the pipeline resamples to what it declares
      expect(encoder.inputFormat).toEqual({ sampleRate: 48000, channels: 2 });
      const { chunks } = await encodeAll(encoder, input, 480);
      encoder.close();
      expectHeadersFirst(chunks);
      const pages = expectWholePages(chunks);
      const audioPages = pages.slice(2);
      // Granules step by at most 5 packets of 960: a listener never waits more than 100 ms.
      let previous = 0n;
      for (const p of audioPages.slice(0, -1)) {
        expect(p.granule - previous).toBeLessThanOrEqual(4800n);
        previous = p.granule;
      }
      const head = pages[0]!.body;
      expect(new TextDecoder().decode(head.subarray(0, 8))).toBe('OpusHead');
      const preSkip = new DataView(head.buffer, head.byteOffset).getUint16(10, true);
      expect(pages[pages.length - 1]!.granule).toBe(BigInt(preSkip + input.length / 2));
      expect(totalFrames(chunks)).toBe(input.length / 2);
      const file = tmp.file(`tone-${settings.mode}.opus`);
      writeChunks(file, chunks);
      const decoded = decode(file, rate);
      expect(Math.abs(decoded.length / 2 - input.length / 2)).toBeLessThanOrEqual(960);
      expectTone(decoded, rate);
      const info = run('opusinfo', [file]);
      expect(info.code, info.out).toBe(0);
      expect(info.out).not.toMatch(/WARNING|ERROR/i);
      const probe = ffprobe(file);
      expect(probe.streams[0]!.codec_name).toBe('opus');
      // CBR holds its rate; VBR on a pure tone may wander (libopus spends more on tonal input).
      const kbps = Number(probe.format.bit_rate) / 1000;
      const slack = settings.mode === 'cbr' ? 0.1 : 0.5;
      expect(kbps).toBeGreaterThan(settings.bitrateKbps * (1 - slack));
      expect(kbps).toBeLessThan(settings.bitrateKbps * (1 + slack));
    });
  }
});

/** MD5 of the quantized samples as FLAC defines it: little-endian, interleaved, bytes per sample. */
function pcmMd5(ints: Int32Array, bits: number): string {
  const bytesPer = bits / 8;
  const buf = Buffer.alloc(ints.length * bytesPer);
  for (let i = 0; i < ints.length; i++) buf.writeIntLE(ints[i]!, i * bytesPer, bytesPer);
  return createHash('md5').update(buf).digest('hex');
}

/** FLAC through one libFLAC build: the machine's libFLAC.so.12 or the WebAssembly one. */
async function makeFlac(settings: unknown, sampleRate: number, implementation: EncoderImplementation): Promise<Encoder> {
  const result = await createEncoder(settings, { sampleRate, channels: 2 }, implementation);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.encoder;
}

/** The chained logical streams of an Ogg file, each as its own bytes. */
function oggLinks(bytes: Uint8Array): Uint8Array[] {
  const links: { serial: number; pages: Uint8Array[] }[] = [];
  for (const page of new OggPageSplitter().push(bytes)) {
    if (links.length === 0 || links[links.length - 1]!.serial !== page.serial) links.push({ serial: page.serial, pages: [] });
    links[links.length - 1]!.pages.push(page.bytes);
  }
  return links.map((l) => Buffer.concat(l.pages));
}

function streamTags(file: string): Record<string, string> {
  const json = JSON.parse(run('ffprobe', ['-v', 'error', '-show_entries', 'stream_tags', '-of', 'json', file]).out) as { streams?: { tags?: Record<string, string> }[] };
  return json.streams?.[0]?.tags ?? {};
}

describe.each([
  { implementation: 'system' as const, library: /^libFLAC\.so\.12 \(libFLAC \d+\.\d+\.\d+, system library\)$/ },
  { implementation: 'wasm' as const, library: /WebAssembly/ },
])('FLAC (libFLAC, $implementation)', ({ implementation, library }) => {
  const make = (settings: unknown, rate: number) => makeFlac(settings, rate, implementation);

  for (const bits of [16, 24] as const) {
    it(`${bits}-bit file: bit-exact, STREAMINFO total samples and MD5 patched at the end`, async () => {
      const rate = 44100;
      const input = sine(SECONDS, rate);
      // Add a little noise so the quantization is not trivially periodic.
      for (let i = 0; i < input.length; i++) input[i] = input[i]! + ((i * 7919) % 101) / 1e5;
      const encoder = await make({ codec: 'flac', bitDepth: bits, compression: 5 }, rate);
      expect(encoder.mimeType).toBe('audio/flac');
      expect(encoder.implementation).toMatch(library);
      const { chunks } = await encodeAll(encoder, input);
      const patches = encoder.finalPatches();
      encoder.close();
      expectHeadersFirst(chunks);
      expect(String.fromCharCode(...chunks[0]!.bytes.subarray(0, 4))).toBe('fLaC');
      for (const c of chunks.filter((c) => !c.header)) {
        expect(c.bytes[0]).toBe(0xff);
        expect(c.bytes[1]! & 0xfe).toBe(0xf8); // frame sync
      }
      expect(totalFrames(chunks)).toBe(input.length / 2);

      const unpatched = tmp.file(`unpatched-${bits}.flac`);
      writeChunks(unpatched, chunks);
      expect(run('metaflac', ['--show-total-samples', unpatched]).out.trim()).toBe('0');
      // The same layout from either build: STREAMINFO, then libFLAC's own VORBIS_COMMENT, no padding.
      const blocks = run('metaflac', ['--list', '--no-utf8-convert', unpatched]).out;
      expect([...blocks.matchAll(/^ {2}type: \d+ \((\w+)\)$/gm)].map((m) => m[1])).toEqual(['STREAMINFO', 'VORBIS_COMMENT']);
      expect(blocks).toMatch(/vendor string: reference libFLAC/);

      const file = tmp.file(`tone-${bits}.flac`);
      writeChunks(file, chunks, patches);
      const quantized = quantize(input, bits);
      expect(run('metaflac', ['--show-total-samples', file]).out.trim()).toBe(String(input.length / 2));
      expect(run('metaflac', ['--show-md5sum', file]).out.trim()).toBe(pcmMd5(quantized, bits));
      const test = run('flac', ['-t', file]);
      expect(test.code, test.out).toBe(0);
      expect(test.out).toMatch(/ok/);
      expect(Number(ffprobe(file).streams[0]!.duration_ts)).toBe(input.length / 2);

      const decoded = decode(file, rate);
      expect(decoded.length).toBe(input.length);
      const scale = 2 ** (bits - 1);
      let mismatches = 0;
      for (let i = 0; i < decoded.length; i++) if (Math.round(decoded[i]! * scale) !== quantized[i]) mismatches++;
      expect(mismatches).toBe(0);
      expectTone(decoded, rate);
    });
  }

  it('Ogg FLAC stream: whole pages, bit-exact, accepted by flac -t', async () => {
    const rate = 44100;
    const input = sine(SECONDS, rate);
    const encoder = await make({ codec: 'ogg-flac' }, rate);
    expect(encoder.mimeType).toBe('audio/ogg');
    expect(encoder.implementation).toMatch(library);
    const { chunks } = await encodeAll(encoder, input);
    expect(encoder.finalPatches()).toEqual([]);
    encoder.close();
    expectHeadersFirst(chunks);
    const pages = expectWholePages(chunks);
    expect(pages[pages.length - 1]!.granule).toBe(BigInt(input.length / 2));
    expect(totalFrames(chunks)).toBe(input.length / 2);
    const file = tmp.file('tone.oga');
    writeChunks(file, chunks);
    const test = run('flac', ['-t', '--ogg', file]);
    expect(test.code, test.out).toBe(0);
    const decoded = decode(file, rate);
    expect(decoded.length).toBe(input.length);
    const quantized = quantize(input, 16);
    let mismatches = 0;
    for (let i = 0; i < decoded.length; i++) if (Math.round(decoded[i]! * 32768) !== quantized[i]) mismatches++;
    expect(mismatches).toBe(0);
    expect(ffprobe(file).streams[0]!.codec_name).toBe('flac');
  });
  it('Ogg FLAC title: the chained link carries TITLE, the vendor is kept, the whole decodes bit-exact', async () => {
    const rate = 48000;
    const input = sine(SECONDS, rate);
    const encoder = await make({ codec: 'ogg-flac', bitDepth: 16, compression: 5 }, rate);
    const chunks: EncodedChunk[] = [];
    const block = 2048 * 2;
    for (let at = 0; at < input.length; at += block) {
      chunks.push(...encoder.encode(input.subarray(at, Math.min(input.length, at + block))));
      if (at === block * 20) chunks.push(...encoder.setTitle!({ title: 'Café ♫ Title', artist: 'Ärtist' }));
    }
    chunks.push(...encoder.flush());
    encoder.close();
    expect(totalFrames(chunks)).toBe(input.length / 2);
    const bytes = Buffer.concat(chunks.map((c) => c.bytes));
    const links = oggLinks(bytes);
    expect(links.length).toBe(2);
    const files = links.map((link, i) => {
      const file = tmp.file(`title-${implementation}-${i}.oga`);
      writeBytes(file, link);
      const test = run('flac', ['-t', '--ogg', file]);
      expect(test.code, test.out).toBe(0);
      return file;
    });
    expect(streamTags(files[0]!).TITLE).toBeUndefined();
    expect(streamTags(files[1]!)).toMatchObject({ TITLE: 'Café ♫ Title', ARTIST: 'Ärtist', ENCODER: 'Airtight' });
    // The replaced comment page keeps libFLAC's vendor string.
    expect(Buffer.from(links[1]!).includes('reference libFLAC')).toBe(true);
    const whole = tmp.file(`title-${implementation}.oga`);
    writeBytes(whole, bytes);
    const decoded = decode(whole, rate);
    expect(decoded.length).toBe(input.length);
    const quantized = quantize(input, 16);
    let mismatches = 0;
    for (let i = 0; i < decoded.length; i++) if (Math.round(decoded[i]! * 32768) !== quantized[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('closing twice, and using it after close, does nothing', async () => {
    for (const codec of ['flac', 'ogg-flac']) {
      const encoder = await make({ codec }, 44100);
      encoder.encode(sine(0.2, 44100));
      encoder.close();
      encoder.close();
      expect(encoder.encode(sine(0.1, 44100))).toEqual([]);
      expect(encoder.flush()).toEqual([]);
    }
  });
});

describe('FLAC: which libFLAC', () => {
  const format = { sampleRate: 44100, channels: 2 };
  const settings = EncoderSettingsSchema.parse({ codec: 'flac' }) as FlacSettings;

  it("'system' with the library missing is ENCODER_LIBRARY_MISSING naming the library and its package", async () => {
    const thrown = await createFlac(settings, format, 'system', { library: 'libFLAC.so.999' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(AppErrorException);
    const error = (thrown as AppErrorException).error;
    expect(error.code).toBe('ENCODER_LIBRARY_MISSING');
    expect(error.message).toContain('libFLAC.so.999');
    expect(error.message).toContain('libflac12');
    expect(error.detail).toMatch(/cannot open shared object file/);
  });

  it("'auto' with the library missing falls back to WebAssembly and says why", async () => {
    const encoder = await createFlac(settings, format, 'auto', { library: 'libFLAC.so.999' });
    try {
      expect(encoder.implementation).toBe('libFLAC (WebAssembly, libflacjs)');
      expect(encoder.fallback).toMatch(/libFLAC\.so\.999 could not be loaded/);
      const { chunks } = await encodeAll(encoder, sine(0.5, 44100));
      expect(totalFrames(chunks)).toBe(22050);
    } finally {
      encoder.close();
    }
  });

  it("'auto' uses the machine's libFLAC where it loads", async () => {
    const result = await createEncoder({ codec: 'ogg-flac' }, format, 'auto');
    if (!result.ok) throw new Error(result.error.message);
    expect(result.encoder.implementation).toMatch(/^libFLAC\.so\.12 /);
    expect(result.encoder.fallback).toBeUndefined();
    result.encoder.close();
  });
});

describe('AAC (system ffmpeg)', () => {
  it('AAC-LC: whole ADTS frames, decodes to the tone; the child is reaped', async () => {
    const rate = 44100;
    const input = sine(SECONDS, rate);
    const encoder = await make({ codec: 'aac', profile: 'lc', bitrateKbps: 128 }, rate);
    expect(encoder.mimeType).toBe('audio/aac');
    const { chunks } = await encodeAll(encoder, input);
    encoder.close();
    const frames = expectWholeFrames(chunks, parseAdtsHeader);
    expect(totalFrames(chunks)).toBe(input.length / 2);
    const file = tmp.file('tone.aac');
    writeChunks(file, chunks);
    const decoded = decode(file, rate);
    // ADTS carries no gapless info: the decoder keeps the 1024 priming samples and the padding.
    expect(decoded.length / 2).toBe(frames * 1024);
    const extra = decoded.length / 2 - input.length / 2;
    expect(extra).toBeGreaterThanOrEqual(1024);
    expect(extra).toBeLessThanOrEqual(3 * 1024);
    expectTone(decoded, rate);
    expect(ffprobe(file).streams[0]!.profile).toBe('LC');
  });
});
