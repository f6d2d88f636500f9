/**
 * A single-producer, single-consumer ring of RTP payloads in shared memory, from the sender
 * worker (JavaScript, producer: encodes audio ahead of time) to the native pacing thread
 * (native/rtp-pacer, consumer: waits for each deadline, adds the header, sends). Neither side
 * waits on the other: a full ring makes the producer stop filling until its next round; an
 * empty one (the producer was held up) makes the packet late, as it would be with the
 * JavaScript pacer, and past the catch-up bound the native thread sends silence with
 * continuous timestamps (counted as "ring empty"). Audio underruns never empty this ring: the
 * producer writes silent slots for them. The layout is read by C code: keep it in step with rtp_pacer.c.
 *
 *   Int32 [0] write count, [1] read count (both run modulo 2^32), [2] capacity (slots),
 *   [3] slot bytes, [4] payload bytes; slots from byte 64: Int32 flags (1 = silence),
 *   payload from byte 8.
 */
const WRITE = 0;
const READ = 1;
const CAPACITY = 2;
const SLOT_BYTES = 3;
const PAYLOAD_BYTES = 4;
export const RING_HEADER_BYTES = 64;
const SLOT_PAYLOAD_OFFSET = 8;
export const SLOT_SILENT = 1;

export class PacketRing {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  readonly payloadBytes: number;
  private readonly slotBytes: number;
  private readonly header: Int32Array;
  private readonly bytes: Uint8Array;

  static create(capacity: number, payloadBytes: number): PacketRing {
    // A power of two, so `count % capacity` stays continuous when the counts wrap at 2^32.
    if (!Number.isInteger(capacity) || capacity < 2 || (capacity & (capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two >= 2');
    const slotBytes = Math.ceil((SLOT_PAYLOAD_OFFSET + payloadBytes) / 8) * 8;
    const buffer = new SharedArrayBuffer(RING_HEADER_BYTES + capacity * slotBytes);
    const header = new Int32Array(buffer, 0, 5);
    header[CAPACITY] = capacity;
    header[SLOT_BYTES] = slotBytes;
    header[PAYLOAD_BYTES] = payloadBytes;
    return new PacketRing(buffer);
  }

  /** Attaches to a ring created elsewhere. */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, 5);
    this.bytes = new Uint8Array(buffer);
    this.capacity = this.header[CAPACITY]!;
    this.slotBytes = this.header[SLOT_BYTES]!;
    this.payloadBytes = this.header[PAYLOAD_BYTES]!;
  }

  /** Payloads written and not yet taken by the consumer. */
  fill(): number {
    return (Atomics.load(this.header, WRITE) - Atomics.load(this.header, READ)) >>> 0;
  }

  /** Producer: the payload area of the next free slot, or null when the ring is full. */
  nextSlot(): Uint8Array | null {
    if (this.fill() >= this.capacity) return null;
    const start = this.slotStart(Atomics.load(this.header, WRITE) >>> 0);
    return this.bytes.subarray(start + SLOT_PAYLOAD_OFFSET, start + SLOT_PAYLOAD_OFFSET + this.payloadBytes);
  }

  /** Producer: hands the slot returned by nextSlot() to the consumer (silent: the pacer zeroes it). */
  publish(silent: boolean): void {
    const w = Atomics.load(this.header, WRITE) >>> 0;
    new DataView(this.buffer).setInt32(this.slotStart(w), silent ? SLOT_SILENT : 0, true);
    Atomics.store(this.header, WRITE, (w + 1) | 0); // after the payload: the consumer reads it only then
  }

  /** Consumer side in JavaScript (tests): the next payload and its silence flag, or null when empty. */
  take(): { payload: Uint8Array; silent: boolean } | null {
    if (this.fill() === 0) return null;
    const r = Atomics.load(this.header, READ) >>> 0;
    const start = this.slotStart(r);
    const silent = (new DataView(this.buffer).getInt32(start, true) & SLOT_SILENT) !== 0;
    const payload = this.bytes.slice(start + SLOT_PAYLOAD_OFFSET, start + SLOT_PAYLOAD_OFFSET + this.payloadBytes);
    Atomics.store(this.header, READ, (r + 1) | 0);
    return { payload, silent };
  }

  private slotStart(count: number): number {
    return RING_HEADER_BYTES + (count % this.capacity) * this.slotBytes;
  }
}
