/**
 * The clock's current local -> PTP mapping in a SharedArrayBuffer, so any thread (the RTP
 * pacer's worker, the engine thread) reads PTP time without a message round trip. One writer
 * (the follower's thread) publishes under a sequence lock; readers retry while a write is in
 * progress.
 *
 * Layout: Int32 [0] sequence (odd while writing), [1] state code, [2] grandmaster present;
 * BigInt64 at byte 16 refLocalNs, 24 refPtpNs, 32 grandmaster identity (u64);
 * Float64 at byte 40 rate.
 */
import type { ClockMapping } from './offset-estimator';
import { ClockMappingWriter } from '../media-clock';

export type ClockState = 'free-run' | 'locking' | 'locked';

const STATES: readonly ClockState[] = ['free-run', 'locking', 'locked'];
export const SHARED_CLOCK_BYTES = 48;

export interface SharedClockView {
  mapping: ClockMapping;
  state: ClockState;
  /** EUI-64 as 16 lower-case hex digits, or null. */
  grandmaster: string | null;
}

export function createSharedClock(initial: SharedClockView): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(SHARED_CLOCK_BYTES);
  new SharedClockWriter(sab).write(initial);
  return sab;
}

export class SharedClockWriter {
  private readonly ints: Int32Array;
  private readonly bigs: BigInt64Array;
  private readonly floats: Float64Array;
  private readonly senderMapping: ClockMappingWriter | null;

  /** `senderMapping`: the RTP sender's mapping buffer (../media-clock.ts layout), kept equal. */
  constructor(sab: SharedArrayBuffer, senderMapping?: SharedArrayBuffer) {
    this.ints = new Int32Array(sab, 0, 4);
    this.bigs = new BigInt64Array(sab, 16, 3);
    this.floats = new Float64Array(sab, 40, 1);
    this.senderMapping = senderMapping ? new ClockMappingWriter(senderMapping) : null;
  }

  write(view: SharedClockView): void {
    this.senderMapping?.write({ localAnchorNs: view.mapping.refLocalNs, ptpAnchorNs: view.mapping.refPtpNs, ratePpb: view.mapping.rate * 1e9 });
    Atomics.add(this.ints, 0, 1); // odd: write in progress
    Atomics.store(this.ints, 1, STATES.indexOf(view.state));
    Atomics.store(this.ints, 2, view.grandmaster === null ? 0 : 1);
    Atomics.store(this.bigs, 0, view.mapping.refLocalNs);
    Atomics.store(this.bigs, 1, view.mapping.refPtpNs);
    Atomics.store(this.bigs, 2, view.grandmaster === null ? 0n : BigInt.asIntN(64, BigInt(`0x${view.grandmaster}`)));
    this.floats[0] = view.mapping.rate;
    Atomics.add(this.ints, 0, 1); // even: consistent
  }
}

export class SharedClockReader {
  private readonly ints: Int32Array;
  private readonly bigs: BigInt64Array;
  private readonly floats: Float64Array;

  constructor(sab: SharedArrayBuffer) {
    this.ints = new Int32Array(sab, 0, 4);
    this.bigs = new BigInt64Array(sab, 16, 3);
    this.floats = new Float64Array(sab, 40, 1);
  }

  read(): SharedClockView {
    // A write takes nanoseconds; 1000 tries only fail if the writer died mid-write.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const before = Atomics.load(this.ints, 0);
      if (before % 2 !== 0) continue;
      const state = STATES[Atomics.load(this.ints, 1)] ?? 'free-run';
      const hasGm = Atomics.load(this.ints, 2) === 1;
      const refLocalNs = Atomics.load(this.bigs, 0);
      const refPtpNs = Atomics.load(this.bigs, 1);
      const gm = Atomics.load(this.bigs, 2);
      const rate = this.floats[0] ?? 0;
      if (Atomics.load(this.ints, 0) !== before) continue;
      return {
        state,
        grandmaster: hasGm ? BigInt.asUintN(64, gm).toString(16).padStart(16, '0') : null,
        mapping: { refLocalNs, refPtpNs, rate },
      };
    }
    throw new Error('shared clock: writer stuck mid-write');
  }

  /** PTP time (ns) now, from the published mapping. */
  nowNs(localNs: bigint = process.hrtime.bigint()): bigint {
    return ptpAt(this.read().mapping, localNs);
  }
}

/** Applies a mapping: PTP = refPtp + (local - refLocal) x (1 + rate). */
export function ptpAt(mapping: ClockMapping, localNs: bigint): bigint {
  const elapsed = localNs - mapping.refLocalNs;
  return mapping.refPtpNs + elapsed + BigInt(Math.round(Number(elapsed) * mapping.rate));
}
