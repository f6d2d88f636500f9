/**
 * Counters of the pacer thread in shared memory, readable at any time from the engine thread
 * without a message round trip. Lateness = send time - due time of each packet, in a
 * histogram of 10 µs bins up to 50 ms (one overflow bin above). The native pacer
 * (native/rtp-pacer/rtp_pacer.c) writes the same layout; each counter has one writer thread.
 */
const COUNTERS = 12;
export const LATENESS_BIN_NS = 10_000;
export const LATENESS_BINS = 5000;

const enum C {
  packetsSent,
  late1ms,
  resyncs,
  underruns,
  silentPackets,
  maxLatenessNs,
  sendErrors,
  skippedPackets,
  catchUpPackets,
}

export interface PacerCounters {
  packetsSent: number;
  /** Packets sent more than 1 ms after their due time. */
  late1ms: number;
  /** Times the pacer was so late it skipped ahead, or the media clock stepped back and it followed (timestamps jump, sequence stays continuous). */
  resyncs: number;
  /** Times the ring ran dry while playing (silence sent, timestamps continuous). */
  underruns: number;
  silentPackets: number;
  maxLatenessMs: number;
  sendErrors: number;
  /** Packets skipped by resyncs. */
  skippedPackets: number;
  /** Packets sent back to back because they were already due (bounded catch-up). */
  catchUpPackets: number;
}

export interface LatenessSummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class PacerStats {
  readonly buffer: SharedArrayBuffer;
  private readonly counters: Float64Array;
  private readonly histogram: Int32Array;

  static create(): PacerStats {
    return new PacerStats(new SharedArrayBuffer(COUNTERS * 8 + (LATENESS_BINS + 1) * 4));
  }

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.counters = new Float64Array(buffer, 0, COUNTERS);
    this.histogram = new Int32Array(buffer, COUNTERS * 8, LATENESS_BINS + 1);
  }

  // Writer side (pacer thread only: plain stores are enough for counters read as a snapshot).
  recordSend(latenessNs: number, silent: boolean, catchUp: boolean): void {
    const c = this.counters;
    c[C.packetsSent]! += 1;
    if (silent) c[C.silentPackets]! += 1;
    if (catchUp) c[C.catchUpPackets]! += 1;
    if (latenessNs > 1_000_000) c[C.late1ms]! += 1;
    if (latenessNs > c[C.maxLatenessNs]!) c[C.maxLatenessNs] = latenessNs;
    const bin = Math.min(LATENESS_BINS, Math.max(0, Math.floor(latenessNs / LATENESS_BIN_NS)));
    Atomics.add(this.histogram, bin, 1);
  }

  recordResync(skipped: number): void {
    this.counters[C.resyncs]! += 1;
    this.counters[C.skippedPackets]! += skipped;
  }

  recordUnderrun(): void {
    this.counters[C.underruns]! += 1;
  }

  recordSendError(): void {
    this.counters[C.sendErrors]! += 1;
  }

  // Reader side.
  snapshot(): PacerCounters {
    const c = this.counters;
    return {
      packetsSent: c[C.packetsSent]!,
      late1ms: c[C.late1ms]!,
      resyncs: c[C.resyncs]!,
      underruns: c[C.underruns]!,
      silentPackets: c[C.silentPackets]!,
      maxLatenessMs: c[C.maxLatenessNs]! / 1e6,
      sendErrors: c[C.sendErrors]!,
      skippedPackets: c[C.skippedPackets]!,
      catchUpPackets: c[C.catchUpPackets]!,
    };
  }

  /** Percentiles from the histogram (bin upper edges; the max is exact). */
  lateness(): LatenessSummary {
    const counts = Array.from(this.histogram);
    const count = counts.reduce((a, b) => a + b, 0);
    const percentile = (p: number): number => {
      if (count === 0) return 0;
      const rank = Math.ceil(p * count);
      let seen = 0;
      for (let bin = 0; bin < counts.length; bin++) {
        seen += counts[bin]!;
        if (seen >= rank) return ((bin + 1) * LATENESS_BIN_NS) / 1e6;
      }
      return (counts.length * LATENESS_BIN_NS) / 1e6;
    };
    return { count, p50Ms: percentile(0.5), p99Ms: percentile(0.99), maxMs: this.counters[C.maxLatenessNs]! / 1e6 };
  }

  /** Starts a new measurement window (benchmarks). */
  resetLateness(): void {
    this.histogram.fill(0);
    this.counters[C.maxLatenessNs] = 0;
  }
}
