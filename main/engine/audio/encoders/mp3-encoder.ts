/**
 * MP3 through LAME in WebAssembly (wasm-media-encoders). Output is cut into whole MPEG frames.
 *
 * ABR: the package exposes only LAME's CBR and VBR-quality modes (not `lame_set_VBR(vbr_abr)`),
 * so ABR is VBR at the quality whose typical average is the target bitrate.
 */
import type { createMp3Encoder } from 'wasm-media-encoders';
import type { EncoderImplementation } from '../../../../native/codecs/system-library';
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

export async function createMp3(settings: Mp3Settings, input: AudioFormat, _implementation: EncoderImplementation = 'auto'): Promise<Encoder> {
  let lame: Awaited<ReturnType<typeof createMp3Encoder>> | null = await (await import('wasm-media-encoders')).createMp3Encoder();
  const channels = input.channels === 1 ? 1 : 2;
  if (settings.mode === 'cbr') {
    lame.configure({ channels, sampleRate: input.sampleRate, bitrate: settings.bitrateKbps as Mp3Bitrate });
  } else {
    const vbrQuality = settings.mode === 'vbr' ? settings.vbrQuality : vbrQualityForBitrate(settings.bitrateKbps);
    lame.configure({ channels, sampleRate: input.sampleRate, vbrQuality });
  }

  const format: AudioFormat = { sampleRate: input.sampleRate, channels };
  const splitter = new FrameSplitter(parseMp3Header);
  const ledger = new FrameLedger();
  let outputSamples = 0; // decoded samples (at the MP3's own rate) of the frames handed out

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
    implementation: 'LAME (WebAssembly, wasm-media-encoders)',
    inputFormat: format,
    encode(samples: Float32Array): EncodedChunk[] {
      const whole = wholeFrames(samples, channels);
      if (whole.length === 0 || !lame) return [];
      ledger.addInput(whole.length / channels);
      return take(lame.encode(deinterleave(whole, channels)), false);
    },
    flush(): EncodedChunk[] {
      if (!lame) return [];
      return take(lame.finalize(), true);
    },
    finalPatches(): HeaderPatch[] {
      return [];
    },
    close(): void {
      // Each wasm-media-encoders encoder owns its WebAssembly instance and memory: dropping the
      // reference releases both (the package has no explicit free).
      lame = null;
    },
  };
}
