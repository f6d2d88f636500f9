/**
 * Comment fields for an in-band title, and the Vorbis comment header that carries them
 * (Vorbis I spec, section 5; OpusTags uses the same list after its own magic).
 */
import type { StreamTags } from '../encoder';

export function streamTagComments(tags: StreamTags): string[] {
  const comments = ['ENCODER=Airtight'];
  if (tags.title !== '') comments.push(`TITLE=${tags.title}`);
  if (tags.artist) comments.push(`ARTIST=${tags.artist}`);
  return comments;
}

/** The comment list itself (Vorbis I spec, section 5.2.1, without the framing bit). */
function commentList(vendor: string, comments: string[]): Uint8Array {
  const enc = new TextEncoder();
  const vendorBytes = enc.encode(vendor);
  const commentBytes = comments.map((c) => enc.encode(c));
  const list = new Uint8Array(4 + vendorBytes.length + 4 + commentBytes.reduce((sum, c) => sum + 4 + c.length, 0));
  const view = new DataView(list.buffer);
  view.setUint32(0, vendorBytes.length, true);
  list.set(vendorBytes, 4);
  let at = 4 + vendorBytes.length;
  view.setUint32(at, commentBytes.length, true);
  at += 4;
  for (const c of commentBytes) {
    view.setUint32(at, c.length, true);
    list.set(c, at + 4);
    at += 4 + c.length;
  }
  return list;
}

/** The vendor string at the start of a comment list. */
function listVendor(list: Uint8Array, fallback: string): string {
  if (list.length < 4) return fallback;
  const length = new DataView(list.buffer, list.byteOffset).getUint32(0, true);
  return new TextDecoder().decode(list.subarray(4, 4 + Math.min(length, list.length - 4)));
}

/** A Vorbis comment header packet (type 3, framing bit set). */
export function vorbisCommentPacket(vendor: string, comments: string[]): Uint8Array {
  const list = commentList(vendor, comments);
  const packet = new Uint8Array(7 + list.length + 1);
  packet[0] = 3;
  packet.set(new TextEncoder().encode('vorbis'), 1);
  packet.set(list, 7);
  packet[7 + list.length] = 1; // framing bit
  return packet;
}

/** The vendor string of a Vorbis comment header (kept when the comments are replaced). */
export function vorbisCommentVendor(packet: Uint8Array): string {
  if (packet[0] !== 3 || packet.length < 11) return 'Airtight';
  return listVendor(packet.subarray(7), 'Airtight');
}

/** FLAC metadata block type of VORBIS_COMMENT (FLAC format, METADATA_BLOCK_HEADER). */
export const FLAC_VORBIS_COMMENT = 4;

/**
 * A FLAC VORBIS_COMMENT metadata block: 1 byte last-flag + type, 24-bit big-endian length,
 * then the comment list (no framing bit). In Ogg FLAC it is one packet of its own.
 */
export function flacCommentBlock(last: boolean, vendor: string, comments: string[]): Uint8Array {
  const list = commentList(vendor, comments);
  const block = new Uint8Array(4 + list.length);
  block[0] = (last ? 0x80 : 0) | FLAC_VORBIS_COMMENT;
  block[1] = (list.length >>> 16) & 0xff;
  block[2] = (list.length >>> 8) & 0xff;
  block[3] = list.length & 0xff;
  block.set(list, 4);
  return block;
}

/** The vendor string of a FLAC VORBIS_COMMENT block. */
export function flacCommentVendor(block: Uint8Array): string {
  return listVendor(block.subarray(4), 'Airtight');
}
