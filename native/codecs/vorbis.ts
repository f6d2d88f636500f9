/**
 * libvorbis + libvorbisenc (the machine's Vorbis encoder) through koffi: packets only. Ogg
 * paging is ours (main/engine/audio/encoders/vorbis-pages.ts), so libogg is not needed.
 *
 * libvorbis keeps its state in caller-owned structs (vorbis_info, vorbis_dsp_state,
 * vorbis_block, vorbis_comment) that point at each other, so they live in native memory
 * (koffi.alloc) that never moves. Their layouts are declared below from libvorbis' public
 * codec.h (1.3.x, LP64: 56, 144, 192 and 32 bytes); each allocation gets the declared size
 * twice over, and after init a few fields the library wrote (channels, rate, vd->vi, vb->vd)
 * are read back: a library with another layout is refused instead of corrupting memory.
 *
 * Once running, data crosses only through typed arrays we own and libc's memcpy: no koffi call
 * creates a JavaScript object (an _Out_ struct, a decoded array). Such a call fails while a
 * worker thread is being terminated, and that failure aborts the whole process.
 */
import type { IKoffiCType } from 'koffi';
import { loadSystemLibrary } from './system-library';

export const VORBISENC_SONAME = 'libvorbisenc.so.2';
export const VORBIS_SONAME = 'libvorbis.so.0';
/** The Debian package that ships libvorbisenc (it depends on libvorbis0a). */
export const VORBIS_PACKAGE = 'libvorbisenc2';

export type VorbisMode = { kind: 'quality'; quality: number } | { kind: 'bitrate'; nominalKbps: number };

export interface VorbisOptions {
  channels: 1 | 2;
  sampleRate: number;
  mode: VorbisMode;
}

export interface VorbisPacket {
  /** A copy: libvorbis reuses its packet memory on the next call. */
  data: Uint8Array;
  /** Position (PCM frames) at the end of this packet; the last one is trimmed to the input. */
  granule: bigint;
  eos: boolean;
}

export interface NativeVorbisLink {
  /** The three header packets: identification, comment (with `comments`), setup. */
  readonly headers: [Uint8Array, Uint8Array, Uint8Array];
  /** Interleaved float frames in; the packets that became ready. */
  encode(interleaved: Float32Array): VorbisPacket[];
  /** End of stream: the remaining packets, the last one marked `eos`. */
  finish(): VorbisPacket[];
}

export interface NativeVorbis {
  /** e.g. "libvorbisenc.so.2 (Xiph.Org libVorbis I 20200704, system library)". */
  readonly description: string;
  /** Starts a logical stream (the first, or the next chained one); ends the previous link's state. */
  startLink(comments: string[]): NativeVorbisLink;
  /** Frees everything. Safe to call twice; a link used after it returns nothing. */
  close(): void;
}

type Ptr = unknown;
/** A native address as koffi hands out `uintptr_t` (a number below 2^53, else a bigint). */
type Address = number | bigint;

interface VorbisFunctions {
  vorbis_info_init(vi: Ptr): void;
  vorbis_info_clear(vi: Ptr): void;
  vorbis_encode_init(vi: Ptr, channels: number, rate: number, max: number, nominal: number, min: number): number;
  vorbis_encode_init_vbr(vi: Ptr, channels: number, rate: number, quality: number): number;
  vorbis_comment_init(vc: Ptr): void;
  vorbis_comment_add(vc: Ptr, comment: string): void;
  vorbis_comment_clear(vc: Ptr): void;
  vorbis_analysis_init(vd: Ptr, vi: Ptr): number;
  vorbis_block_init(vd: Ptr, vb: Ptr): number;
  vorbis_block_clear(vb: Ptr): number;
  vorbis_dsp_clear(vd: Ptr): void;
  vorbis_analysis_headerout(vd: Ptr, vc: Ptr, id: Uint8Array, comment: Uint8Array, setup: Uint8Array): number;
  vorbis_analysis_buffer(vd: Ptr, frames: number): Address;
  vorbis_analysis_wrote(vd: Ptr, frames: number): number;
  vorbis_analysis_blockout(vd: Ptr, vb: Ptr): number;
  vorbis_analysis(vb: Ptr, op: null): number;
  vorbis_bitrate_addblock(vb: Ptr): number;
  vorbis_bitrate_flushpacket(vd: Ptr, op: Uint8Array): number;
  vorbis_version_string(): string;
  /** libc memcpy into one of our typed arrays from a native address. */
  copyIn(to: ArrayBufferView, from: Address, bytes: number): void;
  /** libc memcpy from one of our typed arrays to a native address. */
  copyOut(to: Address, from: ArrayBufferView, bytes: number): void;
}

/** Where the fields we read sit (koffi.offsetof of the declared layouts). */
interface Offsets {
  packet: { size: number; packet: number; bytes: number; eos: number; granulepos: number };
  info: { size: number; channels: number; rate: number };
  dsp: { size: number; vi: number };
  block: { size: number; vd: number };
}

interface Bound {
  koffi: typeof import('koffi');
  fn: VorbisFunctions;
  types: { info: IKoffiCType; dsp: IKoffiCType; block: IKoffiCType; comment: IKoffiCType };
  at: Offsets;
  soname: string;
}

/** Declared once per library pair and thread (koffi functions belong to the isolate that made them). */
const bindings = new Map<string, { ok: true; bound: Bound } | NoVorbis>();

/** Why libvorbis cannot be used; `missing` when a library itself could not be loaded. */
export type NoVorbis = { ok: false; reason: string; missing?: boolean };

function bind(encSoname: string, libSoname: string): { ok: true; bound: Bound } | NoVorbis {
  const key = `${encSoname}+${libSoname}`;
  const known = bindings.get(key);
  if (known) return known;
  let result: { ok: true; bound: Bound } | NoVorbis;
  const enc = loadSystemLibrary(encSoname);
  const lib = loadSystemLibrary(libSoname);
  const libc = loadSystemLibrary('libc.so.6');
  if (!enc.ok) result = { ...enc, missing: true };
  else if (!lib.ok) result = { ...lib, missing: true };
  else if (!libc.ok) result = libc;
  else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const koffi = require('koffi') as typeof import('koffi');
      // codec.h / ogg.h layouts (field names as there).
      const oggpackBuffer = koffi.struct({ endbyte: 'long', endbit: 'int', buffer: 'void *', ptr: 'void *', storage: 'long' });
      const types = {
        info: koffi.struct({
          version: 'int', channels: 'int', rate: 'long', bitrate_upper: 'long', bitrate_nominal: 'long', bitrate_lower: 'long',
          bitrate_window: 'long', codec_setup: 'void *',
        }),
        dsp: koffi.struct({
          analysisp: 'int', vi: 'void *', pcm: 'void *', pcmret: 'void *', pcm_storage: 'int', pcm_current: 'int', pcm_returned: 'int',
          preextrapolate: 'int', eofflag: 'int', lW: 'long', W: 'long', nW: 'long', centerW: 'long', granulepos: 'int64_t', sequence: 'int64_t',
          glue_bits: 'int64_t', time_bits: 'int64_t', floor_bits: 'int64_t', res_bits: 'int64_t', backend_state: 'void *',
        }),
        block: koffi.struct({
          pcm: 'void *', opb: oggpackBuffer, lW: 'long', W: 'long', nW: 'long', pcmend: 'int', mode: 'int', eofflag: 'int', granulepos: 'int64_t',
          sequence: 'int64_t', vd: 'void *', localstore: 'void *', localtop: 'long', localalloc: 'long', totaluse: 'long', reap: 'void *',
          glue_bits: 'long', time_bits: 'long', floor_bits: 'long', res_bits: 'long', internal: 'void *',
        }),
        comment: koffi.struct({ user_comments: 'void *', comment_lengths: 'void *', comments: 'int', vendor: 'void *' }),
      };
      const packet = koffi.struct({ packet: 'void *', bytes: 'long', b_o_s: 'long', e_o_s: 'long', granulepos: 'int64_t', packetno: 'int64_t' });
      const e = (name: string, ret: string | IKoffiCType, args: (string | IKoffiCType)[]) => enc.lib.func(name, ret, args);
      const l = (name: string, ret: string | IKoffiCType, args: (string | IKoffiCType)[]) => lib.lib.func(name, ret, args);
      const fn = {
        vorbis_info_init: l('vorbis_info_init', 'void', ['void *']),
        vorbis_info_clear: l('vorbis_info_clear', 'void', ['void *']),
        vorbis_encode_init: e('vorbis_encode_init', 'int', ['void *', 'long', 'long', 'long', 'long', 'long']),
        vorbis_encode_init_vbr: e('vorbis_encode_init_vbr', 'int', ['void *', 'long', 'long', 'float']),
        vorbis_comment_init: l('vorbis_comment_init', 'void', ['void *']),
        vorbis_comment_add: l('vorbis_comment_add', 'void', ['void *', 'const char *']),
        vorbis_comment_clear: l('vorbis_comment_clear', 'void', ['void *']),
        vorbis_analysis_init: l('vorbis_analysis_init', 'int', ['void *', 'void *']),
        vorbis_block_init: l('vorbis_block_init', 'int', ['void *', 'void *']),
        vorbis_block_clear: l('vorbis_block_clear', 'int', ['void *']),
        vorbis_dsp_clear: l('vorbis_dsp_clear', 'void', ['void *']),
        vorbis_analysis_headerout: l('vorbis_analysis_headerout', 'int', ['void *', 'void *', 'void *', 'void *', 'void *']),
        vorbis_analysis_buffer: l('vorbis_analysis_buffer', 'uintptr_t', ['void *', 'int']),
        vorbis_analysis_wrote: l('vorbis_analysis_wrote', 'int', ['void *', 'int']),
        vorbis_analysis_blockout: l('vorbis_analysis_blockout', 'int', ['void *', 'void *']),
        vorbis_analysis: l('vorbis_analysis', 'int', ['void *', 'void *']),
        vorbis_bitrate_addblock: l('vorbis_bitrate_addblock', 'int', ['void *']),
        vorbis_bitrate_flushpacket: l('vorbis_bitrate_flushpacket', 'int', ['void *', 'void *']),
        vorbis_version_string: l('vorbis_version_string', 'const char *', []),
        // memcpy returns its destination; declared void, the return register is simply ignored.
        copyIn: libc.lib.func('memcpy', 'void', ['void *', 'uintptr_t', 'size_t']),
        copyOut: libc.lib.func('memcpy', 'void', ['uintptr_t', 'void *', 'size_t']),
      } as VorbisFunctions;
      const at: Offsets = {
        packet: {
          size: koffi.sizeof(packet),
          packet: koffi.offsetof(packet, 'packet'),
          bytes: koffi.offsetof(packet, 'bytes'),
          eos: koffi.offsetof(packet, 'e_o_s'),
          granulepos: koffi.offsetof(packet, 'granulepos'),
        },
        info: { size: koffi.sizeof(types.info), channels: koffi.offsetof(types.info, 'channels'), rate: koffi.offsetof(types.info, 'rate') },
        dsp: { size: koffi.sizeof(types.dsp), vi: koffi.offsetof(types.dsp, 'vi') },
        block: { size: koffi.sizeof(types.block), vd: koffi.offsetof(types.block, 'vd') },
      };
      result = { ok: true, bound: { koffi, fn, types, at, soname: encSoname } };
    } catch (error) {
      result = { ok: false, missing: true, reason: `${encSoname}/${libSoname} lack a Vorbis function we need: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  bindings.set(key, result);
  return result;
}

/** Opens libvorbis for `options`, or says why it cannot (library missing, settings refused, layout). */
export function openVorbis(
  options: VorbisOptions,
  sonames: { enc?: string; lib?: string } = {},
): { ok: true; vorbis: NativeVorbis } | NoVorbis {
  const bound = bind(sonames.enc ?? VORBISENC_SONAME, sonames.lib ?? VORBIS_SONAME);
  if (!bound.ok) return bound;
  const { koffi, fn, types, at } = bound.bound;
  const { channels, sampleRate, mode } = options;

  // Twice the declared size: a newer library that appended a field still has room.
  const alloc = (type: IKoffiCType): Ptr => koffi.alloc('uint8_t', koffi.sizeof(type) * 2);
  const memory = { vi: alloc(types.info), vd: alloc(types.dsp), vb: alloc(types.block), vc: alloc(types.comment) };
  const address = { vi: koffi.address(memory.vi), vd: koffi.address(memory.vd), vb: koffi.address(memory.vb) };
  /** `bytes` bytes of native memory at `from`, copied into a DataView of our own. */
  const read = (from: Address, bytes: number): DataView => {
    const copy = new Uint8Array(bytes);
    fn.copyIn(copy, from, bytes);
    return new DataView(copy.buffer);
  };
  let open = true;
  /** Which of vi/vd/vb currently hold library state (so clear is called exactly for those). */
  let live = { vi: false, vd: false, vb: false };

  const clearLink = (): void => {
    if (live.vb) fn.vorbis_block_clear(memory.vb);
    if (live.vd) fn.vorbis_dsp_clear(memory.vd);
    if (live.vi) fn.vorbis_info_clear(memory.vi);
    live = { vi: false, vd: false, vb: false };
  };
  const close = (): void => {
    if (!open) return;
    open = false;
    clearLink();
    for (const p of Object.values(memory)) koffi.free(p);
  };

  /** Sets up vi/vd/vb for a new logical stream; a reason when the library refuses. */
  const initState = (): string | null => {
    fn.vorbis_info_init(memory.vi);
    live.vi = true;
    const init =
      mode.kind === 'quality'
        ? fn.vorbis_encode_init_vbr(memory.vi, channels, sampleRate, mode.quality / 10)
        : fn.vorbis_encode_init(memory.vi, channels, sampleRate, -1, mode.nominalKbps * 1000, -1);
    if (init !== 0) return `libvorbis refused ${channels} ch ${sampleRate} Hz ${JSON.stringify(mode)} (${init})`;
    const info = read(address.vi, at.info.size);
    if (info.getInt32(at.info.channels, true) !== channels || info.getBigInt64(at.info.rate, true) !== BigInt(sampleRate)) return 'libvorbis vorbis_info layout differs from codec.h 1.3 (channels/rate read back wrong)';
    if (fn.vorbis_analysis_init(memory.vd, memory.vi) !== 0) return 'vorbis_analysis_init failed';
    live.vd = true;
    if (read(address.vd, at.dsp.size).getBigUint64(at.dsp.vi, true) !== address.vi) return 'libvorbis vorbis_dsp_state layout differs from codec.h 1.3 (vd->vi read back wrong)';
    if (fn.vorbis_block_init(memory.vd, memory.vb) !== 0) return 'vorbis_block_init failed';
    live.vb = true;
    if (read(address.vb, at.block.size).getBigUint64(at.block.vd, true) !== address.vd) return 'libvorbis vorbis_block layout differs from codec.h 1.3 (vb->vd read back wrong)';
    return null;
  };

  const first = initState();
  if (first) {
    close();
    return { ok: false, reason: first };
  }
  let fresh = true; // the state from the check above serves the first link

  // ogg_packet structs of our own (twice the declared size, like the others), read with a DataView.
  const packetBytes = at.packet.size * 2;
  const newPacket = (): Uint8Array => new Uint8Array(packetBytes);
  /** The packet's bytes (copied: libvorbis reuses that memory) and its fields. */
  const unpack = (op: Uint8Array): VorbisPacket => {
    const view = new DataView(op.buffer, op.byteOffset, op.byteLength);
    const bytes = Number(view.getBigInt64(at.packet.bytes, true));
    const data = new Uint8Array(bytes);
    if (bytes > 0) fn.copyIn(data, view.getBigUint64(at.packet.packet, true), bytes);
    return { data, granule: view.getBigInt64(at.packet.granulepos, true), eos: view.getBigInt64(at.packet.eos, true) !== 0n };
  };
  let planes: Float32Array[] = [];
  const channelPointers = new BigUint64Array(channels);
  let currentLink = 0; // a link's functions go quiet once the next one starts

  const startLink = (comments: string[]): NativeVorbisLink => {
    if (!open) throw new Error('the Vorbis encoder is closed');
    if (!fresh) {
      clearLink();
      const reason = initState();
      if (reason) throw new Error(reason);
    }
    fresh = false;
    fn.vorbis_comment_init(memory.vc);
    for (const comment of comments) fn.vorbis_comment_add(memory.vc, comment);
    const id = newPacket();
    const comment = newPacket();
    const setup = newPacket();
    const header = fn.vorbis_analysis_headerout(memory.vd, memory.vc, id, comment, setup);
    const headers: [Uint8Array, Uint8Array, Uint8Array] = [unpack(id).data, unpack(comment).data, unpack(setup).data];
    fn.vorbis_comment_clear(memory.vc); // headerout copied the comments into its packet
    if (header !== 0) throw new Error(`vorbis_analysis_headerout failed (${header})`);
    let ended = false;
    const linkId = ++currentLink;
    const link = (): boolean => open && !ended && linkId === currentLink;

    const drain = (): VorbisPacket[] => {
      const packets: VorbisPacket[] = [];
      const op = newPacket();
      while (fn.vorbis_analysis_blockout(memory.vd, memory.vb) === 1) {
        fn.vorbis_analysis(memory.vb, null);
        fn.vorbis_bitrate_addblock(memory.vb);
        while (fn.vorbis_bitrate_flushpacket(memory.vd, op) === 1) packets.push(unpack(op));
      }
      return packets;
    };

    return {
      headers,
      encode(interleaved: Float32Array): VorbisPacket[] {
        const frames = Math.floor(interleaved.length / channels);
        if (!link() || frames === 0) return [];
        if (planes.length === 0 || planes[0]!.length < frames) planes = Array.from({ length: channels }, () => new Float32Array(frames));
        for (let c = 0; c < channels; c++) {
          const plane = planes[c]!;
          for (let i = 0, j = c; i < frames; i++, j += channels) plane[i] = interleaved[j]!;
        }
        // float **: one pointer per channel into libvorbis' own buffer.
        fn.copyIn(channelPointers, fn.vorbis_analysis_buffer(memory.vd, frames), channels * 8);
        for (let c = 0; c < channels; c++) fn.copyOut(channelPointers[c]!, planes[c]!, frames * 4);
        fn.vorbis_analysis_wrote(memory.vd, frames);
        return drain();
      },
      finish(): VorbisPacket[] {
        if (!link()) return [];
        ended = true;
        fn.vorbis_analysis_wrote(memory.vd, 0);
        return drain();
      },
    };
  };

  return {
    ok: true,
    vorbis: { description: `${bound.bound.soname} (${fn.vorbis_version_string()}, system library)`, startLink, close },
  };
}
