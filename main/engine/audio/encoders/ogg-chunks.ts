/**
 * Turns Ogg bytes from a library (libFLAC's Ogg mode) into chunks of whole pages: the leading
 * granule-0 pages form the header chunk, later pages audio chunks whose `frames` follow the
 * pages' granule positions. Pages are read in place and copied once, into their chunk, so the
 * caller may reuse the buffer it pushed.
 */
import type { EncodedChunk } from '../encoder';
import { concatBytes } from './bytes';
import type { FrameLedger } from './frame-ledger';
import { NO_GRANULE, parsePage, type ParsedPage } from './ogg-page';

export class OggChunker {
  /** The start of a page not yet complete (normally empty: libFLAC writes whole pages). */
  private pending = new Uint8Array(0);
  private inHeaders = true;

  /**
   * `granuleToFrames` maps a page's granule to the input frames its audio reaches;
   * `rewriteHeader` may replace a header page (Ogg FLAC's comment page carries a title).
   */
  constructor(
    private readonly ledger: FrameLedger,
    private readonly granuleToFrames: (granule: bigint) => number = (g) => Number(g),
    private readonly rewriteHeader: (page: ParsedPage) => Uint8Array = (page) => page.bytes,
  ) {}

  push(bytes: Uint8Array, final = false): EncodedChunk[] {
    const chunks: EncodedChunk[] = [];
    const header: Uint8Array[] = [];
    const audio: Uint8Array[] = [];
    let frames = 0;
    const data = this.pending.length > 0 ? concatBytes([this.pending, bytes]) : bytes;
    let offset = 0;
    for (let page = parsePage(data, 0); page; page = parsePage(data, offset)) {
      offset += page.bytes.length;
      if (this.inHeaders && page.granule === 0n) {
        header.push(this.rewriteHeader(page));
        continue;
      }
      this.inHeaders = false;
      audio.push(page.bytes);
      if (page.granule !== NO_GRANULE) frames += this.ledger.claim(this.granuleToFrames(page.granule));
    }
    this.pending = data.slice(offset);
    if (final) frames += this.ledger.claimRest();
    if (header.length > 0) chunks.push({ bytes: concatBytes(header), frames: 0, header: true });
    if (audio.length > 0) chunks.push({ bytes: concatBytes(audio), frames });
    return chunks;
  }

  /** Bytes not yet forming a whole page (zero after a clean end of stream). */
  get leftover(): number {
    return this.pending.length;
  }
}
