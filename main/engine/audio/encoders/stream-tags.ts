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

/** A Vorbis comment header packet (type 3, framing bit set). */
export function vorbisCommentPacket(vendor: string, comments: string[]): Uint8Array {
  const enc = new TextEncoder();
  const vendorBytes = enc.encode(vendor);
  const commentBytes = comments.map((c) => enc.encode(c));
  const size = 7 + 4 + vendorBytes.length + 4 + commentBytes.reduce((sum, c) => sum + 4 + c.length, 0) + 1;
  const packet = new Uint8Array(size);
  const view = new DataView(packet.buffer);
  packet[0] = 3;
  packet.set(enc.encode('vorbis'), 1);
  let at = 7;
  view.setUint32(at, vendorBytes.length, true);
  packet.set(vendorBytes, at + 4);
  at += 4 + vendorBytes.length;
  view.setUint32(at, commentBytes.length, true);
  at += 4;
  for (const c of commentBytes) {
    view.setUint32(at, c.length, true);
    packet.set(c, at + 4);
    at += 4 + c.length;
  }
  packet[at] = 1; // framing bit
  return packet;
}

/** The vendor string of a Vorbis comment header (kept when the comments are replaced). */
export function vorbisCommentVendor(packet: Uint8Array): string {
  if (packet[0] !== 3 || packet.length < 11) return 'Airtight';
  const length = new DataView(packet.buffer, packet.byteOffset).getUint32(7, true);
  return new TextDecoder().decode(packet.subarray(11, 11 + Math.min(length, packet.length - 11)));
}
