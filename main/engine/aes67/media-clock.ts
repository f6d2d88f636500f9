/**
 * The media clock the AES67 sender paces against. A PTP follower (main/engine/aes67/ptp/)
 * and the free-running local clock below implement the same interface.
 *
 * Worker threads cannot call a main-thread object, so every clock also publishes its mapping
 * from the local monotonic clock (process.hrtime.bigint(), shared by all threads of the
 * process) to PTP time in a SharedArrayBuffer:
 *
 *   ptpNs = ptpAnchorNs + (localNs - localAnchorNs) * (1 + rateppb * 1e-9)
 *
 * Writers use ClockMappingWriter; readers (the pacer thread) use ClockMappingReader. A seqlock
 * keeps a reader from seeing half an update.
 */

export type ClockState = 'free-run' | 'locking' | 'locked';

export interface MediaClock {
  /** PTP time (TAI) in nanoseconds, now. */
  nowNs(): bigint;
  /** EUI-64 of the current grandmaster, upper-case with dashes (00-1D-C1-FF-FE-12-34-56), or null when free-running. */
  grandmasterId(): string | null;
  /** PTP domain number (0 for the AES67 default profile). */
  domain(): number;
  state(): ClockState;
  /** The mapping above, kept current by the clock; pass it to worker threads. */
  readonly mapping: SharedArrayBuffer;
  /** Called when the grandmaster or the state changes (the SDP must then be re-announced). */
  onChange(listener: () => void): () => void;
}

/** TAI - UTC since 2017-01-01 (no leap second announced since). */
export const TAI_UTC_OFFSET_S = 37;

// Layout: Int32 [0] = seqlock counter; BigInt64 [1] = localAnchorNs, [2] = ptpAnchorNs; Float64 [3] = rate ppb.
const MAPPING_BYTES = 32;

export function createClockMapping(): SharedArrayBuffer {
  return new SharedArrayBuffer(MAPPING_BYTES);
}

export interface ClockMapping {
  localAnchorNs: bigint;
  ptpAnchorNs: bigint;
  ratePpb: number;
}

export class ClockMappingWriter {
  private readonly seq: Int32Array;
  private readonly big: BigInt64Array;
  private readonly f64: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.seq = new Int32Array(buffer, 0, 1);
    this.big = new BigInt64Array(buffer, 0, 3);
    this.f64 = new Float64Array(buffer, 0, 4);
  }

  write(mapping: ClockMapping): void {
    Atomics.add(this.seq, 0, 1); // odd: update in progress
    Atomics.store(this.big, 1, mapping.localAnchorNs);
    Atomics.store(this.big, 2, mapping.ptpAnchorNs);
    this.f64[3] = mapping.ratePpb;
    Atomics.add(this.seq, 0, 1); // even: consistent
  }
}

export class ClockMappingReader {
  private readonly seq: Int32Array;
  private readonly big: BigInt64Array;
  private readonly f64: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.seq = new Int32Array(buffer, 0, 1);
    this.big = new BigInt64Array(buffer, 0, 3);
    this.f64 = new Float64Array(buffer, 0, 4);
  }

  /** A consistent snapshot; a writer updates a few times a second, so a retry is rare. */
  read(): ClockMapping {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const before = Atomics.load(this.seq, 0);
      if (before & 1) continue;
      const localAnchorNs = Atomics.load(this.big, 1);
      const ptpAnchorNs = Atomics.load(this.big, 2);
      const ratePpb = this.f64[3]!;
      if (Atomics.load(this.seq, 0) === before) return { localAnchorNs, ptpAnchorNs, ratePpb };
    }
    throw new Error('clock mapping: writer never finished an update');
  }

  /** PTP ns at local monotonic ns. */
  ptpAt(localNs: bigint, m: ClockMapping = this.read()): bigint {
    const elapsed = Number(localNs - m.localAnchorNs);
    return m.ptpAnchorNs + BigInt(Math.round(elapsed * (1 + m.ratePpb * 1e-9)));
  }

  /** Local monotonic ns at which the clock reads `ptpNs`. */
  localAt(ptpNs: bigint, m: ClockMapping = this.read()): bigint {
    const elapsed = Number(ptpNs - m.ptpAnchorNs);
    return m.localAnchorNs + BigInt(Math.round(elapsed / (1 + m.ratePpb * 1e-9)));
  }
}

/** Wall clock (CLOCK_REALTIME) in ns, to sub-millisecond precision. */
function realtimeNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/**
 * No PTP: the local clock stands in. The monotonic clock (hrtime) is anchored once to
 * CLOCK_REALTIME + 37 s, so the time reads like TAI and never steps when NTP adjusts the wall
 * clock afterwards. The SDP says `ts-refclk:local` while this clock is in use.
 */
export class FreeRunClock implements MediaClock {
  readonly mapping = createClockMapping();
  private readonly reader = new ClockMappingReader(this.mapping);

  constructor() {
    const localAnchorNs = process.hrtime.bigint();
    const ptpAnchorNs = realtimeNs() + BigInt(TAI_UTC_OFFSET_S) * 1_000_000_000n;
    new ClockMappingWriter(this.mapping).write({ localAnchorNs, ptpAnchorNs, ratePpb: 0 });
  }

  nowNs(): bigint {
    return this.reader.ptpAt(process.hrtime.bigint());
  }

  grandmasterId(): null {
    return null;
  }

  domain(): number {
    return 0;
  }

  state(): ClockState {
    return 'free-run';
  }

  onChange(): () => void {
    return () => undefined; // never changes
  }
}
