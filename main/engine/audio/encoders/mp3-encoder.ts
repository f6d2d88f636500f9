/**
 * MP3 through LAME: the machine's libmp3lame (native/codecs/lame.ts) when it is there, else the
 * WebAssembly build (wasm-media-encoders). Output is cut into whole MPEG frames.
 *
 * ABR: with the system library it is LAME's real ABR (`lame_set_VBR(vbr_abr)` with the target
 * as mean bitrate, `lame --abr`). The WebAssembly package exposes only CBR and VBR-quality, so
 * there ABR is VBR at the quality whose typical average is the target bitrate.
 */
import type { createMp3Encoder } from 'wasm-media-encoders';
import { systemLibraryError, type EncoderImplementation } from '../../../../native/codecs/system-library';
import { LAME_PACKAGE, LAME_SONAME, openLame, type LameMode } from '../../../../native/codecs/lame';
import type { AudioFormat } from '../audio-format';
import type { EncodedChunk, Encoder, HeaderPatch } from '../encoder';
import type { Mp3Bitrate, Mp3Settings } from './encoder-settings';
import { FrameLedger } from './frame-ledger';
import { FrameSplitter, parseMp3Header } from './mpeg-frames';
import { deinterleave, wholeFrames } from './pcm';

/** LAME's decoder delay in samples (encoder delay 576 + decoder 529). */
const LAME_DELAY = 1105;

/** Typical average bitrate (kbps, 44.1 kHz stereo music) of LAME -V0 .. -V9. */
const VBR_AVERAGE_KBPS = [245, 225, 190, 175, 165, 130, 115, 100, 85, 65];

/** The VBR quality whose typical average bitrate is `kbps` (interpolated, clamped to V0..V9). */
export function vbrQualityForBitrate(kbps: number): number {
  if (kbps >= VBR_AVERAGE_KBPS[0]!) return 0;
  for (let q = 1; q < VBR_AVERAGE_KBPS.length; q++) {
    const hi = VBR_AVERAGE_KBPS[q - 1]!;
    const lo = VBR_AVERAGE_KBPS[q]!;
    if (kbps >= lo) return q - (kbps - lo) / (hi - lo);
  }
  return 9;
}

/** One LAME, whichever build: interleaved float in, MP3 bytes out (views the next call may reuse). */
interface LameBackend {
  implementation: string;
  encode(interleaved: Float32Array): Uint8Array;
  flush(): Uint8Array;
  close(): void;
}

export interface Mp3Options {
  /** The system library to load; tests name one that does not exist. */
  library?: string;
}

function lameMode(settings: Mp3Settings): LameMode {
  if (settings.mode === 'cbr') return { kind: 'cbr', kbps: settings.bitrateKbps };
  if (settings.mode === 'vbr') return { kind: 'vbr', quality: settings.vbrQuality };
  return { kind: 'abr', kbps: settings.bitrateKbps };
}

async function wasmLame(settings: Mp3Settings, sampleRate: number, channels: 1 | 2): Promise<LameBackend> {
  let lame: Awaited<ReturnType<typeof createMp3Encoder>> | null = await (await import('wasm-media-encoders')).createMp3Encoder();
  if (settings.mode === 'cbr') {
    lame.configure({ channels, sampleRate, bitrate: settings.bitrateKbps as Mp3Bitrate });
  } else {
    const vbrQuality = settings.mode === 'vbr' ? settings.vbrQuality : vbrQualityForBitrate(settings.bitrateKbps);
    lame.configure({ channels, sampleRate, vbrQuality });
  }
  return {
    implementation: 'LAME (WebAssembly, wasm-media-encoders)',
    encode: (interleaved) => (lame ? lame.encode(deinterleave(interleaved, channels)) : new Uint8Array(0)),
    flush: () => (lame ? lame.finalize() : new Uint8Array(0)),
    // Each wasm-media-encoders encoder owns its WebAssembly instance and memory: dropping the
    // reference releases both (the package has no explicit free).
    close: () => void (lame = null),
  };
}

/** The backend `implementation` asks for; `fallback` says why 'auto' could not use the system library. */
async function pickLame(settings: Mp3Settings, sampleRate: number, channels: 1 | 2, implementation: EncoderImplementation, library: string): Promise<{ backend: LameBackend; fallback?: string }> {
  if (implementation === 'wasm') return { backend: await wasmLame(settings, sampleRate, channels) };
  const native = openLame({ channels, sampleRate, mode: lameMode(settings) }, library);
  if (native.ok) return { backend: { implementation: native.lame.description, encode: native.lame.encode, flush: native.lame.flush, close: native.lame.close } };
  if (implementation === 'system') throw systemLibraryError('MP3', library, LAME_PACKAGE, native);
  return { backend: await wasmLame(settings, sampleRate, channels), fallback: native.reason };
}

export async function createMp3(settings: Mp3Settings, input: AudioFormat, implementation: EncoderImplementation = 'auto', options: Mp3Options = {}): Promise<Encoder> {
  const channels = input.channels === 1 ? 1 : 2;
  const { backend, fallback } = await pickLame(settings, input.sampleRate, channels, implementation, options.library ?? LAME_SONAME);

  const format: AudioFormat = { sampleRate: input.sampleRate, channels };
  const splitter = new FrameSplitter(parseMp3Header);
  const ledger = new FrameLedger();
  let outputSamples = 0; // decoded samples (at the MP3's own rate) of the frames handed out
  let closed = false;

  const take = (bytes: Uint8Array, final: boolean): EncodedChunk[] => {
    // LAME's buffer is reused by the next call: the splitter copies before that happens.
    const split = splitter.push(bytes);
    let frames = 0;
    for (const f of split.frames) {
      outputSamples += f.samples;
      // LAME may encode at a lower rate than the input (low bitrates): count in input frames.
      frames += ledger.claim(((outputSamples - LAME_DELAY) * format.sampleRate) / f.sampleRate);
    }
    if (final) frames += ledger.claimRest();
    if (split.bytes.length === 0) return [];
    return [{ bytes: split.bytes, frames }];
  };

  return {
    codec: 'mp3',
    mimeType: 'audio/mpeg',
    extension: 'mp3',
    implementation: backend.implementation,
    ...(fallback ? { fallback } : {}),
    inputFormat: format,
    encode(samples: Float32Array): EncodedChunk[] {
      const whole = wholeFrames(samples, channels);
      if (whole.length === 0 || closed) return [];
      ledger.addInput(whole.length / channels);
      return take(backend.encode(whole), false);
    },
    flush(): EncodedChunk[] {
      if (closed) return [];
      return take(backend.flush(), true);
    },
    finalPatches(): HeaderPatch[] {
      return [];
    },
    close(): void {
      if (closed) return;
      closed = true;
      backend.close();
    },
  };
}
