/**
 * Re-pages libvorbis' Ogg output. libogg fills a page up to ~4 KB or 255 packets before it lets
 * go, which for quiet or simple audio means pages 1.5-6 s apart: a stream listener starves.
 * This takes the library's pages apart into packets, works out each packet's granule position
 * from the Vorbis headers (block sizes and modes), and writes pages of at most ~100 ms.
 */
import type { EncodedChunk } from '../encoder';
import { concatBytes } from './bytes';
import type { FrameLedger } from './frame-ledger';
import { NO_GRANULE, OggPageSplitter, OggStreamWriter, HEADER_EOS } from './ogg-page';
import { vorbisCommentPacket, vorbisCommentVendor } from './stream-tags';

/** Cut a page once it holds this much (the Ogg spec's recommended page size). */
const MAX_PAGE_BYTES = 4096;

export interface VorbisSetup {
  blockSizes: [number, number];
  /** Per mode: true when it uses the long block. */
  modeLongBlock: boolean[];
}

/** Block sizes from the identification header (packet type 1). */
export function parseVorbisId(packet: Uint8Array): [number, number] {
  if (packet[0] !== 1 || new TextDecoder().decode(packet.subarray(1, 7)) !== 'vorbis') throw new Error('not a Vorbis identification header');
  const sizes = packet[28]!;
  return [1 << (sizes & 0x0f), 1 << (sizes >> 4)];
}

/**
 * The mode block flags sit at the very end of the setup header (packet type 5), after fields of
 * variable size. Reading backwards from the framing bit finds them without parsing codebooks
 * (the method of ffmpeg's vorbis_parser and liboggz).
 */
export function parseVorbisModes(setup: Uint8Array): boolean[] {
  if (setup[0] !== 5) throw new Error('not a Vorbis setup header');
  // Reading the byte-reversed packet MSB-first visits Vorbis' LSB-first bits in reverse order.
  const total = setup.length * 8;
  let pos = 0;
  const bit = (): number => {
    const byte = setup[setup.length - 1 - (pos >> 3)]!;
    const b = (byte >> (7 - (pos & 7))) & 1;
    pos++;
    return b;
  };
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | bit();
    return v;
  };
  let framing = -1;
  while (total - pos > 97) {
    if (bit()) {
      framing = pos;
      break;
    }
  }
  if (framing < 0) throw new Error('Vorbis setup header without a framing bit');
  let count = 0;
  let found = 0;
  while (total - pos >= 97) {
    // Backwards, each mode is mapping(8) transform(16) window(16) blockflag(1).
    if (bits(8) > 63 || bits(16) !== 0 || bits(16) !== 0) break;
    bit();
    count++;
    if (count > 64) break;
    const mark = pos;
    if (bits(6) + 1 === count) found = count;
    pos = mark;
  }
  if (found === 0) throw new Error('Vorbis setup header: mode list not found');
  pos = framing;
  const flags = new Array<boolean>(found);
  for (let i = found - 1; i >= 0; i--) {
    pos += 40;
    flags[i] = bit() === 1;
  }
  return flags;
}

/** Reassembles packets from pages; a packet that ends a page carries that page's granule. */
class PacketReader {
  private partial: Uint8Array[] = [];

  read(pages: ReturnType<OggPageSplitter['push']>): { data: Uint8Array; granule: bigint; eos: boolean }[] {
    const out: { data: Uint8Array; granule: bigint; eos: boolean }[] = [];
    for (const page of pages) {
      let at = 0;
      const ended: Uint8Array[] = [];
      for (const lace of page.segments) {
        this.partial.push(page.body.subarray(at, at + lace));
        at += lace;
        if (lace < 255) {
          ended.push(concatBytes(this.partial));
          this.partial = [];
        }
      }
      ended.forEach((data, i) => {
        const last = i === ended.length - 1;
        out.push({ data, granule: last ? page.granule : NO_GRANULE, eos: last && (page.headerType & HEADER_EOS) !== 0 });
      });
    }
    return out;
  }
}

/**
 * Writes one logical Vorbis stream as Ogg pages: the identification header alone on the first
 * page, comment + setup on the next, then audio packets (each with the granule position it
 * ends at) cut into pages of at most ~100 ms or 4 KB, the last page flagged EOS. Both encoders
 * use it: the WebAssembly one through VorbisRepager, the system library one directly.
 */
export class VorbisPager {
  private readonly writer: OggStreamWriter;
  private readonly maxPageFrames: number;
  private granule = 0n;
  private pageStart = 0n;
  private pageBytes = 0;
  private pages: Uint8Array[] = [];
  private frames = 0;

  constructor(
    private readonly ledger: FrameLedger,
    sampleRate: number,
    readonly serial: number,
    pageMs = 100,
  ) {
    this.writer = new OggStreamWriter(serial);
    this.maxPageFrames = Math.max(1, Math.round((sampleRate * pageMs) / 1000));
  }

  /** The three header packets as the stream's first two pages (one chunk, `header: true`). */
  headers(id: Uint8Array, comment: Uint8Array, setup: Uint8Array): EncodedChunk {
    // The identification header alone on the first page; audio starts on a fresh page.
    this.writer.packet(id, 0n);
    const first = this.writer.flush();
    this.writer.packet(comment, 0n);
    this.writer.packet(setup, 0n);
    return { bytes: concatBytes([...first, ...this.writer.flush()]), frames: 0, header: true };
  }

  /** An audio packet ending at `granule`; `eos` (the stream's last packet) closes the stream. */
  packet(data: Uint8Array, granule: bigint, eos: boolean): void {
    this.granule = granule;
    this.writer.packet(data, granule);
    this.pageBytes += data.length;
    if (eos) this.cut(true);
    else if (granule - this.pageStart >= BigInt(this.maxPageFrames) || this.pageBytes >= MAX_PAGE_BYTES) this.cut(false);
  }

  /** The audio pages completed so far as one chunk; `final` ends the stream if packets still wait. */
  take(final = false): EncodedChunk[] {
    if (final && this.writer.queuedPackets > 0) this.cut(true);
    if (this.pages.length === 0) return [];
    const chunk = { bytes: concatBytes(this.pages), frames: this.frames };
    this.pages = [];
    this.frames = 0;
    return [chunk];
  }

  private cut(eos: boolean): void {
    this.pages.push(...this.writer.flush(eos));
    this.frames += eos ? this.ledger.claimRest() : this.ledger.claim(Number(this.granule));
    this.pageStart = this.granule;
    this.pageBytes = 0;
  }
}

export class VorbisRepager {
  private readonly splitter = new OggPageSplitter();
  private readonly reader = new PacketReader();
  private pager: VorbisPager | null = null;
  private headers: Uint8Array[] = [];
  private setup: VorbisSetup | null = null;
  private modeBits = 0;
  private previousBlock = 0;
  private granule = 0n;
  /** Library page ends (other than the trimmed last one) where our granule differed: expect 0. */
  granuleMismatches = 0;

  constructor(
    private readonly ledger: FrameLedger,
    private readonly sampleRate: number,
    private readonly pageMs = 100,
    /** Replaces libvorbis' comment header (an in-band title); its vendor string is kept. */
    private readonly comments?: string[],
  ) {}

  push(bytes: Uint8Array, final = false): EncodedChunk[] {
    const pages = this.splitter.push(bytes);
    if (!this.pager && pages.length > 0) this.pager = new VorbisPager(this.ledger, this.sampleRate, pages[0]!.serial, this.pageMs);
    const pager = this.pager;
    const chunks: EncodedChunk[] = [];
    for (const packet of this.reader.read(pages)) {
      if (!pager) break;
      if (!this.setup) {
        this.headers.push(packet.data);
        if (this.headers.length === 3) chunks.push(this.writeHeaders(pager));
        continue;
      }
      this.granule += BigInt(this.packetSamples(packet.data));
      // The library knows the exact position where a page ends (and trims the last packet).
      if (packet.granule !== NO_GRANULE) {
        if (packet.granule !== this.granule && !packet.eos) this.granuleMismatches++;
        this.granule = packet.granule;
      }
      pager.packet(packet.data, this.granule, packet.eos);
    }
    if (pager) chunks.push(...pager.take(final));
    return chunks;
  }

  private writeHeaders(pager: VorbisPager): EncodedChunk {
    const [id, libraryComment, setup] = this.headers as [Uint8Array, Uint8Array, Uint8Array];
    const comment = this.comments ? vorbisCommentPacket(vorbisCommentVendor(libraryComment), this.comments) : libraryComment;
    const modes = parseVorbisModes(setup);
    this.setup = { blockSizes: parseVorbisId(id), modeLongBlock: modes };
    this.modeBits = Math.ceil(Math.log2(modes.length)) || 0;
    return pager.headers(id, comment, setup);
  }

  /** PCM samples a packet completes: a quarter of the previous block plus a quarter of this one. */
  private packetSamples(packet: Uint8Array): number {
    const setup = this.setup!;
    if (packet.length === 0 || (packet[0]! & 1) !== 0) return 0;
    const mode = (packet[0]! >> 1) & ((1 << this.modeBits) - 1);
    const size = setup.blockSizes[setup.modeLongBlock[mode] ? 1 : 0];
    const samples = this.previousBlock === 0 ? 0 : this.previousBlock / 4 + size / 4;
    this.previousBlock = size;
    return samples;
  }
}
