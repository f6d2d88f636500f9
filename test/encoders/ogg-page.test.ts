import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  HEADER_BOS,
  HEADER_CONTINUED,
  HEADER_EOS,
  NO_GRANULE,
  OggPageSplitter,
  OggStreamWriter,
  oggCrc32,
  pageCrcIsValid,
  parsePage,
  type ParsedPage,
} from '../../main/engine/audio/encoders/ogg-page';
import { concatBytes } from '../../main/engine/audio/encoders/bytes';
import { TempDir } from './audio-check';

const tmp = new TempDir();
afterAll(() => tmp.remove());

function allPages(bytes: Uint8Array): ParsedPage[] {
  const splitter = new OggPageSplitter();
  const pages = splitter.push(bytes);
  expect(splitter.leftover).toBe(0);
  return pages;
}

/** Reassembles packets from pages by their lacing values (what a demuxer does). */
function packetsOf(pages: ParsedPage[]): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let current: Uint8Array[] = [];
  for (const page of pages) {
    let at = 0;
    for (const lace of page.segments) {
      current.push(page.body.subarray(at, at + lace));
      at += lace;
      if (lace < 255) {
        packets.push(concatBytes(current));
        current = [];
      }
    }
  }
  expect(current).toHaveLength(0);
  return packets;
}

function packetOf(length: number, seed: number): Uint8Array {
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = (i * 31 + seed) & 0xff;
  return p;
}

describe('Ogg CRC32', () => {
  it('matches the known check value of CRC-32 poly 0x04c11db7, init 0, no reflection, no xor', () => {
    // CRC-32/CKSUM (same polynomial, init 0, xorout 0xffffffff) checks "123456789" to 0x765e7680.
    expect(oggCrc32(new TextEncoder().encode('123456789'))).toBe(~0x765e7680 >>> 0);
    expect(oggCrc32(new Uint8Array(0))).toBe(0);
  });

  it('reproduces the CRC of every page opusenc writes', () => {
    const wav = tmp.file('tone.wav');
    const opus = tmp.file('tone.opus');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=997:sample_rate=48000:duration=1', '-ac', '2', wav]);
    execFileSync('opusenc', ['--quiet', wav, opus]);
    const pages = allPages(new Uint8Array(readFileSync(opus)));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) expect(pageCrcIsValid(page.bytes)).toBe(true);
    // And a single flipped bit is caught.
    const broken = pages[2]!.bytes.slice();
    broken[40] = broken[40]! ^ 1;
    expect(pageCrcIsValid(broken)).toBe(false);
  });
});

describe('OggStreamWriter', () => {
  it('laces packets of 0, 254, 255, 256 and 510 bytes as the spec says', () => {
    const writer = new OggStreamWriter(0x1234);
    const sizes = [0, 254, 255, 256, 510];
    sizes.forEach((n, i) => writer.packet(packetOf(n, i), BigInt(100 * (i + 1))));
    const pages = writer.flush().map((b) => parsePage(b)!);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.segments).toEqual([0, 254, 255, 0, 255, 1, 255, 255, 0]);
    expect(pages[0]!.granule).toBe(500n);
    expect(pages[0]!.headerType).toBe(HEADER_BOS);
    expect(packetsOf(pages)).toEqual(sizes.map((n, i) => packetOf(n, i)));
  });

  it('spreads a packet over pages with continuation flags and granule -1 where no packet ends', () => {
    const writer = new OggStreamWriter(7);
    writer.packet(packetOf(10, 1), 10n);
    const big = packetOf(255 * 600 + 17, 2); // 601 lacing values: three pages
    writer.packet(big, 20n);
    writer.packet(packetOf(5, 3), 30n);
    const pages = writer.flush(true).map((b) => parsePage(b)!);
    expect(pages).toHaveLength(3);
    expect(pages.map((p) => p.segments.length)).toEqual([255, 255, 601 - 254 - 255 + 1]);
    expect(pages.map((p) => p.sequence)).toEqual([0, 1, 2]);
    // page 0: the small packet ends (granule 10), the big one starts
    expect(pages[0]!.granule).toBe(10n);
    expect(pages[0]!.headerType).toBe(HEADER_BOS);
    // page 1: only the middle of the big packet
    expect(pages[1]!.granule).toBe(NO_GRANULE);
    expect(pages[1]!.headerType).toBe(HEADER_CONTINUED);
    // page 2: the big packet ends, the last small one too
    expect(pages[2]!.granule).toBe(30n);
    expect(pages[2]!.headerType).toBe(HEADER_CONTINUED | HEADER_EOS);
    expect(packetsOf(pages)).toEqual([packetOf(10, 1), big, packetOf(5, 3)]);
    for (const p of pages) expect(pageCrcIsValid(p.bytes)).toBe(true);
  });

  it('does not mark a page continued when the previous one ended exactly on a packet', () => {
    const writer = new OggStreamWriter(9);
    // 255 one-lace packets fill page 0 exactly; the next packet starts page 1 fresh.
    for (let i = 0; i < 256; i++) writer.packet(packetOf(3, i), BigInt(i + 1));
    const pages = writer.flush().map((b) => parsePage(b)!);
    expect(pages).toHaveLength(2);
    expect(pages[0]!.granule).toBe(255n);
    expect(pages[1]!.headerType & HEADER_CONTINUED).toBe(0);
    expect(pages[1]!.granule).toBe(256n);
  });

  it('splitter cuts a byte stream fed in odd pieces into the same whole pages', () => {
    const writer = new OggStreamWriter(1);
    for (let i = 0; i < 20; i++) writer.packet(packetOf(300 + i, i), BigInt(i));
    const bytes = concatBytes(writer.flush(true));
    // Feed in awkward pieces: only whole pages come out, in order.
    const splitter = new OggPageSplitter();
    const got: ParsedPage[] = [];
    for (let at = 0; at < bytes.length; at += 97) got.push(...splitter.push(bytes.subarray(at, at + 97)));
    expect(splitter.leftover).toBe(0);
    expect(concatBytes(got.map((p) => p.bytes))).toEqual(bytes);
  });
});
