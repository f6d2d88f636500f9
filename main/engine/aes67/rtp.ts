/**
 * RTP packets for AES67 audio (RFC 3550 header, RFC 3190 L24 / RFC 3551 L16 payload):
 * big-endian samples, channels interleaved, 48 kHz.
 */
import { randomBytes } from 'node:crypto';
import { PACKET_TIMES, type PacketTimeMs } from './packet-times';

export type RtpEncoding = 'L24' | 'L16';

export const AES67_RATE = 48_000;
export const RTP_HEADER_BYTES = 12;

/** Kept in their own file so the settings schema does not pull node:crypto into the renderer. */
export { PACKET_TIMES, type PacketTimeMs };

export function samplesPerPacket(ptimeMs: PacketTimeMs): number {
  return PACKET_TIMES[ptimeMs];
}

export function bytesPerSample(encoding: RtpEncoding): number {
  return encoding === 'L24' ? 3 : 2;
}

export interface RtpStreamIdentity {
  payloadType: number;
  ssrc: number;
  /** Sequence number of the first packet. */
  firstSequence: number;
}

/** Random SSRC and sequence start (RFC 3550 5.1: both start random). */
export function randomIdentity(payloadType: number): RtpStreamIdentity {
  const bytes = randomBytes(6);
  return { payloadType, ssrc: bytes.readUInt32BE(0), firstSequence: bytes.readUInt16BE(4) };
}

/**
 * Builds packets: the header, then `frames` frames of interleaved float samples converted to
 * big-endian integers (clipped, rounded). Each packet is a fresh buffer: dgram may still hold
 * the previous one when the next is written.
 */
export class RtpPacketWriter {
  private readonly header: Buffer;
  readonly packetBytes: number;
  private readonly sampleBytes: number;

  constructor(
    private readonly identity: RtpStreamIdentity,
    readonly encoding: RtpEncoding,
    readonly channels: number,
    readonly frames: number,
  ) {
    if (!Number.isInteger(channels) || channels < 1 || channels > 8) throw new RangeError('channels must be 1..8');
    if (identity.payloadType < 96 || identity.payloadType > 127) throw new RangeError('payload type must be dynamic (96..127)');
    this.sampleBytes = bytesPerSample(encoding);
    this.packetBytes = RTP_HEADER_BYTES + frames * channels * this.sampleBytes;
    this.header = Buffer.alloc(RTP_HEADER_BYTES);
    this.header[0] = 0x80; // V=2, no padding, no extension, no CSRC
    this.header.writeUInt32BE(identity.ssrc, 8);
  }

  /**
   * Fills the packet with index `index` (0 = first packet of the stream) carrying `samples`
   * (frames x channels floats, or null for silence) at RTP timestamp `timestamp`.
   */
  write(index: number, timestamp: number, samples: Float32Array | null): Buffer {
    const p = Buffer.allocUnsafe(this.packetBytes);
    this.header.copy(p, 0);
    p[1] = (index === 0 ? 0x80 : 0) | this.identity.payloadType; // marker on the first packet only
    p.writeUInt16BE((this.identity.firstSequence + index) & 0xffff, 2);
    p.writeUInt32BE(timestamp >>> 0, 4);
    if (samples === null) p.fill(0, RTP_HEADER_BYTES);
    else this.writePayload(p.subarray(RTP_HEADER_BYTES), samples);
    return p;
  }

  /** The payload alone (the native pacer adds the header): `frames` x `channels` samples, big-endian. */
  writePayload(p: Uint8Array, samples: Float32Array): void {
    const count = this.frames * this.channels;
    let o = 0;
    if (this.encoding === 'L24') {
      for (let i = 0; i < count; i++) {
        const v = toInt(samples[i] ?? 0, 8_388_607);
        p[o] = (v >> 16) & 0xff;
        p[o + 1] = (v >> 8) & 0xff;
        p[o + 2] = v & 0xff;
        o += 3;
      }
    } else {
      for (let i = 0; i < count; i++) {
        const v = toInt(samples[i] ?? 0, 32_767);
        p[o] = (v >> 8) & 0xff;
        p[o + 1] = v & 0xff;
        o += 2;
      }
    }
  }
}

/** Scales by 2^(bits-1) (so -1.0 is the most negative code) and clips +1.0 to the largest. */
function toInt(x: number, full: number): number {
  const v = Math.round(x * (full + 1));
  return v > full ? full : v < -full - 1 ? -full - 1 : v;
}

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

/** Parses the fixed header (for tests and diagnostics). */
export function parseRtpHeader(packet: Uint8Array): RtpHeader {
  const view = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  return {
    marker: (view[1]! & 0x80) !== 0,
    payloadType: view[1]! & 0x7f,
    sequence: view.readUInt16BE(2),
    timestamp: view.readUInt32BE(4),
    ssrc: view.readUInt32BE(8),
  };
}
