/**
 * libmp3lame (the machine's LAME) through koffi: just the calls an MP3 stream needs. Input is
 * interleaved float (-1..+1), handed to LAME without a deinterleave copy; output lands in one
 * buffer allocated up front for the largest block we pass (LAME's documented worst case).
 *
 * Quality (the speed/quality trade-off of `-q`): 3, LAME_DEFAULT_QUALITY. The `lame` CLI and the
 * WebAssembly build (wasm-media-encoders) leave it unset, and lame_init_params then picks exactly
 * this value in every mode (VBR maps it further, the same way for all three), so the CPU
 * comparison with both is like for like.
 */
import type { IKoffiCType } from 'koffi';
import { loadSystemLibrary } from './system-library';

export const LAME_SONAME = 'libmp3lame.so.0';
/** The Debian package that ships it (named in the error when it is missing). */
export const LAME_PACKAGE = 'libmp3lame0';

/** lame.h `vbr_mode`. */
const VBR_OFF = 0;
const VBR_ABR = 3;
const VBR_MTRH = 4; // vbr_default: what `lame -V` uses
/** lame.h `MPEG_mode`. */
const JOINT_STEREO = 1;
const MONO = 3;
/** lame.h LAME_DEFAULT_QUALITY (see the header comment). */
const QUALITY = 3;

/** The largest block (frames per channel) handed to LAME in one call; bigger input is cut. */
const MAX_CALL_FRAMES = 8192;
/** lame.h: "worst case mp3buf_size = 1.25*num_samples + 7200". */
const OUTPUT_BYTES = Math.ceil(1.25 * MAX_CALL_FRAMES) + 7200;

export type LameMode = { kind: 'cbr'; kbps: number } | { kind: 'vbr'; quality: number } | { kind: 'abr'; kbps: number };

export interface LameOptions {
  channels: 1 | 2;
  sampleRate: number;
  mode: LameMode;
}

export interface NativeLame {
  /** e.g. "libmp3lame.so.0 (LAME 3.100, system library)". */
  readonly description: string;
  /** Interleaved float frames in; the MP3 bytes LAME released (a view valid until the next call). */
  encode(interleaved: Float32Array): Uint8Array;
  /** The last frames (padded); a view valid until the next call. */
  flush(): Uint8Array;
  /** Frees LAME's state. Safe to call twice; encode/flush after it return nothing. */
  close(): void;
}

type Handle = unknown;

interface LameFunctions {
  lame_init(): Handle;
  lame_set_in_samplerate(h: Handle, rate: number): number;
  lame_set_num_channels(h: Handle, channels: number): number;
  lame_set_mode(h: Handle, mode: number): number;
  lame_set_brate(h: Handle, kbps: number): number;
  lame_set_VBR(h: Handle, mode: number): number;
  lame_set_VBR_quality(h: Handle, quality: number): number;
  lame_set_VBR_mean_bitrate_kbps(h: Handle, kbps: number): number;
  lame_set_quality(h: Handle, quality: number): number;
  lame_set_bWriteVbrTag(h: Handle, write: number): number;
  lame_set_write_id3tag_automatic(h: Handle, write: number): void;
  lame_init_params(h: Handle): number;
  lame_encode_buffer_interleaved_ieee_float(h: Handle, pcm: Float32Array, frames: number, out: Uint8Array, size: number): number;
  lame_encode_buffer_ieee_float(h: Handle, left: Float32Array, right: Float32Array, frames: number, out: Uint8Array, size: number): number;
  lame_encode_flush(h: Handle, out: Uint8Array, size: number): number;
  lame_close(h: Handle): number;
  get_lame_version(): string;
}

/** Declared once per soname and thread (koffi functions belong to the isolate that made them). */
const bindings = new Map<string, { ok: true; fn: LameFunctions } | NoLame>();

/** Why LAME cannot be used; `missing` when the library itself could not be loaded. */
export type NoLame = { ok: false; reason: string; missing?: boolean };

function bind(soname: string): { ok: true; fn: LameFunctions } | NoLame {
  const known = bindings.get(soname);
  if (known) return known;
  const loaded = loadSystemLibrary(soname);
  let result: { ok: true; fn: LameFunctions } | NoLame;
  if (!loaded.ok) {
    result = { ...loaded, missing: true };
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const koffi = require('koffi') as typeof import('koffi');
      const lame: IKoffiCType = koffi.pointer(koffi.opaque());
      const f = (name: string, ret: string | IKoffiCType, args: (string | IKoffiCType)[]) => loaded.lib.func(name, ret, args);
      const setter = (name: string, value: string) => f(name, 'int', [lame, value]);
      result = {
        ok: true,
        fn: {
          lame_init: f('lame_init', lame, []),
          lame_set_in_samplerate: setter('lame_set_in_samplerate', 'int'),
          lame_set_num_channels: setter('lame_set_num_channels', 'int'),
          lame_set_mode: setter('lame_set_mode', 'int'),
          lame_set_brate: setter('lame_set_brate', 'int'),
          lame_set_VBR: setter('lame_set_VBR', 'int'),
          lame_set_VBR_quality: setter('lame_set_VBR_quality', 'float'),
          lame_set_VBR_mean_bitrate_kbps: setter('lame_set_VBR_mean_bitrate_kbps', 'int'),
          lame_set_quality: setter('lame_set_quality', 'int'),
          lame_set_bWriteVbrTag: setter('lame_set_bWriteVbrTag', 'int'),
          lame_set_write_id3tag_automatic: f('lame_set_write_id3tag_automatic', 'void', [lame, 'int']),
          lame_init_params: f('lame_init_params', 'int', [lame]),
          lame_encode_buffer_interleaved_ieee_float: f('lame_encode_buffer_interleaved_ieee_float', 'int', [lame, 'const float *', 'int', 'uint8_t *', 'int']),
          lame_encode_buffer_ieee_float: f('lame_encode_buffer_ieee_float', 'int', [lame, 'const float *', 'const float *', 'int', 'uint8_t *', 'int']),
          lame_encode_flush: f('lame_encode_flush', 'int', [lame, 'uint8_t *', 'int']),
          lame_close: f('lame_close', 'int', [lame]),
          get_lame_version: f('get_lame_version', 'const char *', []),
        } as LameFunctions,
      };
    } catch (error) {
      result = { ok: false, missing: true, reason: `${soname} lacks a LAME function we need: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  bindings.set(soname, result);
  return result;
}

/** Opens a configured LAME encoder, or says why it cannot (library missing, settings refused). */
export function openLame(options: LameOptions, soname: string = LAME_SONAME): { ok: true; lame: NativeLame } | NoLame {
  const bound = bind(soname);
  if (!bound.ok) return bound;
  const fn = bound.fn;
  const handle = fn.lame_init();
  if (!handle) return { ok: false, reason: 'lame_init() returned NULL (out of memory)' };
  const { channels, sampleRate, mode } = options;
  fn.lame_set_in_samplerate(handle, sampleRate);
  fn.lame_set_num_channels(handle, channels);
  fn.lame_set_mode(handle, channels === 1 ? MONO : JOINT_STEREO); // LAME's own choice when unset
  fn.lame_set_quality(handle, QUALITY);
  if (mode.kind === 'cbr') {
    fn.lame_set_VBR(handle, VBR_OFF);
    fn.lame_set_brate(handle, mode.kbps);
  } else if (mode.kind === 'vbr') {
    fn.lame_set_VBR(handle, VBR_MTRH);
    fn.lame_set_VBR_quality(handle, mode.quality);
  } else {
    fn.lame_set_VBR(handle, VBR_ABR);
    fn.lame_set_VBR_mean_bitrate_kbps(handle, mode.kbps);
  }
  // A stream has no place for a Xing/LAME tag (it is a placeholder frame patched at file end)
  // nor for ID3 tags.
  fn.lame_set_bWriteVbrTag(handle, 0);
  fn.lame_set_write_id3tag_automatic(handle, 0);
  const init = fn.lame_init_params(handle);
  if (init < 0) {
    fn.lame_close(handle);
    return { ok: false, reason: `lame_init_params refused ${channels} ch ${sampleRate} Hz ${JSON.stringify(mode)} (${init})` };
  }

  let open: Handle | null = handle;
  const out = new Uint8Array(OUTPUT_BYTES);
  const check = (written: number, call: string): number => {
    if (written < 0) throw new Error(`${call} failed (${written})`);
    return written;
  };
  const encodeBlock = (h: Handle, block: Float32Array, frames: number): number =>
    channels === 2
      ? check(fn.lame_encode_buffer_interleaved_ieee_float(h, block, frames, out, out.length), 'lame_encode_buffer_interleaved_ieee_float')
      : check(fn.lame_encode_buffer_ieee_float(h, block, block, frames, out, out.length), 'lame_encode_buffer_ieee_float');

  return {
    ok: true,
    lame: {
      description: `${soname} (LAME ${fn.get_lame_version()}, system library)`,
      encode(interleaved: Float32Array): Uint8Array {
        if (open === null) return new Uint8Array(0);
        const frames = Math.floor(interleaved.length / channels);
        if (frames <= MAX_CALL_FRAMES) return out.subarray(0, encodeBlock(open, interleaved, frames));
        // Larger than the output buffer was sized for: encode in pieces and join them.
        const parts: Uint8Array[] = [];
        for (let at = 0; at < frames; at += MAX_CALL_FRAMES) {
          const n = Math.min(MAX_CALL_FRAMES, frames - at);
          parts.push(out.slice(0, encodeBlock(open, interleaved.subarray(at * channels, (at + n) * channels), n)));
        }
        const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
        let offset = 0;
        for (const p of parts) {
          joined.set(p, offset);
          offset += p.length;
        }
        return joined;
      },
      flush(): Uint8Array {
        if (open === null) return new Uint8Array(0);
        return out.subarray(0, check(fn.lame_encode_flush(open, out, out.length), 'lame_encode_flush'));
      },
      close(): void {
        if (open === null) return;
        const h = open;
        open = null; // before the call: nothing may reach the handle once it is being freed
        fn.lame_close(h);
      },
    },
  };
}
