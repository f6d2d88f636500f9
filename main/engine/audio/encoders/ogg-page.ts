/**
 * Ogg pages (RFC 3533): the CRC, building pages from packets, and splitting a byte stream back
 * into whole pages. Opus is muxed here; Vorbis and Ogg FLAC come out of their libraries as Ogg
 * bytes that we only cut on page boundaries.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg's CRC32: polynomial 0x04c11db7, not reflected, initial value 0, no final xor. */
export function oggCrc32(bytes: Uint8Array, crc = 0): number {
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return c;
}

export const HEADER_CONTINUED = 0x01;
export const HEADER_BOS = 0x02;
export const HEADER_EOS = 0x04;

/** Granule position meaning "no packet ends on this page". */
export const NO_GRANULE = -1n;

export interface PageFields {
  headerType: number;
  granule: bigint;
  serial: number;
  sequence: number;
  /** Lacing values, at most 255 of them. */
  segments: number[];
  body: Uint8Array;
}

export function buildPage(fields: PageFields): Uint8Array {
  const { segments, body } = fields;
  if (segments.length > 255) throw new RangeError('an Ogg page holds at most 255 segments');
  const headerLength = 27 + segments.length;
  const page = new Uint8Array(headerLength + body.length);
  const view = new DataView(page.buffer);
  page.set([0x4f, 0x67, 0x67, 0x53], 0); // "OggS"
  page[4] = 0; // stream structure version
  page[5] = fields.headerType;
  view.setBigInt64(6, fields.granule, true);
  view.setUint32(14, fields.serial >>> 0, true);
  view.setUint32(18, fields.sequence >>> 0, true);
  // bytes 22..25: CRC, zero while it is computed
  page[26] = segments.length;
  page.set(segments, 27);
  page.set(body, headerLength);
  view.setUint32(22, oggCrc32(page), true);
  return page;
}

interface QueuedPacket {
  data: Uint8Array;
  granule: bigint;
}

/**
 * Turns packets into pages for one logical stream. Packets are queued with the granule position
 * they end at; `flush()` writes every queued packet out, so the caller decides page timing
 * (Opus flushes every ~100 ms so a listener is never starved).
 */
export class OggStreamWriter {
  private sequence = 0;
  private queue: QueuedPacket[] = [];
  private started = false;

  constructor(readonly serial: number) {}

  get queuedPackets(): number {
    return this.queue.length;
  }

  packet(data: Uint8Array, granule: bigint): void {
    this.queue.push({ data, granule });
  }

  /** Writes all queued packets as one or more pages; `eos` marks the last page of the stream. */
  flush(eos = false): Uint8Array[] {
    const pages: Uint8Array[] = [];
    let segments: number[] = [];
    let parts: Uint8Array[] = [];
    let bodyLength = 0;
    let granule = NO_GRANULE;
    let continued = false;

    const emit = (last: boolean): void => {
      const body = new Uint8Array(bodyLength);
      let at = 0;
      for (const part of parts) {
        body.set(part, at);
        at += part.length;
      }
      let headerType = continued ? HEADER_CONTINUED : 0;
      if (!this.started) headerType |= HEADER_BOS;
      if (last && eos) headerType |= HEADER_EOS;
      pages.push(buildPage({ headerType, granule, serial: this.serial, sequence: this.sequence++, segments, body }));
      this.started = true;
      continued = false;
      segments = [];
      parts = [];
      bodyLength = 0;
      granule = NO_GRANULE;
    };

    const queue = this.queue;
    this.queue = [];
    for (const { data, granule: packetGranule } of queue) {
      // A packet of n bytes is floor(n/255) lacing values of 255 and one of n % 255 (maybe 0).
      const laces = Math.floor(data.length / 255) + 1;
      for (let lace = 0, offset = 0; lace < laces; lace++) {
        if (segments.length === 255) {
          emit(false);
          continued = lace > 0; // the next page starts inside this packet
        }
        const size = lace === laces - 1 ? data.length % 255 : 255;
        segments.push(size);
        parts.push(data.subarray(offset, offset + size));
        bodyLength += size;
        offset += size;
      }
      granule = packetGranule; // this packet ends on the page being filled
    }
    if (segments.length > 0 || (eos && pages.length === 0)) emit(true);
    else if (eos && pages.length > 0) {
      // Re-mark the last page as EOS (recompute its CRC).
      const last = pages[pages.length - 1]!;
      last[5] = last[5]! | HEADER_EOS;
      last.fill(0, 22, 26);
      new DataView(last.buffer, last.byteOffset).setUint32(22, oggCrc32(last), true);
    }
    return pages;
  }
}

export interface ParsedPage {
  headerType: number;
  granule: bigint;
  serial: number;
  sequence: number;
  segments: number[];
  /** The whole page, header included. */
  bytes: Uint8Array;
  body: Uint8Array;
}

/** Parses the page at `offset`, or returns null when the buffer does not hold all of it yet. */
export function parsePage(buffer: Uint8Array, offset = 0): ParsedPage | null {
  if (buffer.length - offset < 27) return null;
  if (buffer[offset] !== 0x4f || buffer[offset + 1] !== 0x67 || buffer[offset + 2] !== 0x67 || buffer[offset + 3] !== 0x53) {
    throw new Error(`no Ogg capture pattern at byte ${offset}`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset);
  const count = buffer[offset + 26]!;
  if (buffer.length - offset < 27 + count) return null;
  const segments = Array.from(buffer.subarray(offset + 27, offset + 27 + count));
  const bodyLength = segments.reduce((sum, size) => sum + size, 0);
  const total = 27 + count + bodyLength;
  if (buffer.length - offset < total) return null;
  const bytes = buffer.subarray(offset, offset + total);
  return {
    headerType: buffer[offset + 5]!,
    granule: view.getBigInt64(6, true),
    serial: view.getUint32(14, true),
    sequence: view.getUint32(18, true),
    segments,
    bytes,
    body: bytes.subarray(27 + count),
  };
}

/** True when the CRC stored in a whole page matches its contents. */
export function pageCrcIsValid(page: Uint8Array): boolean {
  const copy = page.slice();
  const stored = new DataView(copy.buffer).getUint32(22, true);
  copy.fill(0, 22, 26);
  return oggCrc32(copy) === stored;
}

/** Collects Ogg bytes as they arrive and hands out whole pages only. */
export class OggPageSplitter {
  private pending = new Uint8Array(0);

  push(bytes: Uint8Array): ParsedPage[] {
    if (bytes.length > 0) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending, 0);
      joined.set(bytes, this.pending.length);
      this.pending = joined;
    }
    const pages: ParsedPage[] = [];
    let offset = 0;
    for (;;) {
      const page = parsePage(this.pending, offset);
      if (!page) break;
      pages.push({ ...page, bytes: page.bytes.slice(), body: page.body.slice() });
      offset += page.bytes.length;
    }
    this.pending = this.pending.slice(offset);
    return pages;
  }

  /** Bytes that do not (yet) form a whole page. */
  get leftover(): number {
    return this.pending.length;
  }
}
