/**
 * Turns Sync and Delay_Req exchanges into a local -> PTP mapping with rate.
 *
 * Our timestamps are taken in JavaScript (process.hrtime.bigint() when the message reaches
 * the event loop, or just before a Delay_Req is handed to the kernel), so each carries a
 * one-sided error: a Sync is seen late (t2 too big), a Delay_Req leaves late (t3 too small).
 * That error is usually tens of µs but reaches milliseconds when the thread is preempted.
 * Because it is one-sided, the "lucky" packets (the ones that saw the least delay) are close
 * to the truth:
 *
 *   master->slave  a = t1 - t2 = o(t2) - d - late     (keep the maximum per window)
 *   slave->master  b = t4 - t3 = o(t3) + d + late     (keep the minimum over recent exchanges)
 *
 * with o(L) = PTP - local, d the one-way path delay (assumed symmetric). The per-window
 * maxima of `a` are fitted by least squares to a line A(L) (slope = rate difference), lowest
 * outliers dropped and refitted. The round trip is min(b - A) over recent exchanges, so
 * o(L) = A(L) + rtt / 2.
 */

export interface ClockMapping {
  /** Local monotonic time (process.hrtime.bigint()) of the reference point. */
  refLocalNs: bigint;
  /** PTP time at refLocalNs. */
  refPtpNs: bigint;
  /** PTP ns per local ns, minus 1 (e.g. 50e-6 when the local clock runs 50 ppm slow). */
  rate: number;
}

export interface EstimatorOptions {
  /** Length of one lucky-packet window (ns). */
  windowNs: bigint;
  /** How many windows the line is fitted over. */
  fitWindows: number;
  /** How many Delay_Req exchanges the round-trip minimum is taken over. */
  delaySamples: number;
  /** A window point this far (ns) off the line counts as a step; 3 in a row reset the fit. */
  stepThresholdNs: number;
}

export const DEFAULT_ESTIMATOR_OPTIONS: EstimatorOptions = {
  windowNs: 500_000_000n,
  fitWindows: 60,
  delaySamples: 16,
  stepThresholdNs: 1_000_000,
};

interface Point {
  x: number; // seconds since origin
  y: number; // ns, a - aBase
}

export interface Line {
  /** ns at x = xMean. */
  intercept: number;
  /** ns per second (= ppb). */
  slope: number;
  xMean: number;
  /** rms residual (ns) of the points kept. */
  rms: number;
  points: number;
}

export interface EstimatorStats {
  windows: number;
  delayExchanges: number;
  line: Line | null;
  /** Path delay (ns) from the lucky round trip. */
  pathDelayNs: number | null;
  /** Residual (ns) of the newest window point against the line. */
  lastResidualNs: number | null;
  steps: number;
}

export class OffsetEstimator {
  private originLocal: bigint | null = null;
  private aBase = 0n;
  private windowEnd = 0n;
  private windowBest: Point | null = null;
  private points: Point[] = [];
  private delays: Point[] = [];
  private line: Line | null = null;
  private lastResidual: number | null = null;
  private offLine = 0;
  private windows = 0;
  private exchanges = 0;
  private steps = 0;

  constructor(private readonly options: EstimatorOptions = DEFAULT_ESTIMATOR_OPTIONS) {}

  reset(): void {
    this.originLocal = null;
    this.windowBest = null;
    this.points = [];
    this.delays = [];
    this.line = null;
    this.lastResidual = null;
    this.offLine = 0;
    this.windows = 0;
    this.exchanges = 0;
  }

  /** A Sync: t1 master departure (PTP ns, corrections applied), t2 local arrival. Returns true when a window closed. */
  addSync(t1: bigint, t2: bigint): boolean {
    let closed = false;
    if (this.originLocal !== null && t2 >= this.windowEnd) {
      closed = this.closeWindow();
      this.windowEnd = t2 + this.options.windowNs;
    }
    if (this.originLocal === null) {
      // First Sync, or the fit was just reset by a step: start over from here.
      this.originLocal = t2;
      this.aBase = t1 - t2;
      this.windowEnd = t2 + this.options.windowNs;
    }
    const p = { x: this.x(t2), y: Number(t1 - t2 - this.aBase) };
    if (this.windowBest === null || p.y > this.windowBest.y) this.windowBest = p;
    return closed;
  }

  /** A Delay_Req exchange: t3 local departure, t4 master arrival (PTP ns, corrections applied). */
  addDelay(t3: bigint, t4: bigint): void {
    if (this.originLocal === null) return; // no Sync yet: nothing to relate it to
    this.delays.push({ x: this.x(t3), y: Number(t4 - t3 - this.aBase) });
    if (this.delays.length > this.options.delaySamples) this.delays.shift();
    this.exchanges++;
  }

  /** The current local -> PTP mapping, referenced at `localNs`; null until a window and a delay exchange exist. */
  mapping(localNs: bigint): ClockMapping | null {
    const rtt = this.roundTrip();
    if (this.originLocal === null || rtt === null) return null;
    const a = this.lineAt(this.x(localNs));
    if (a === null) return null;
    const offset = this.aBase + BigInt(Math.round(a + rtt / 2));
    return { refLocalNs: localNs, refPtpNs: localNs + offset, rate: (this.line?.slope ?? 0) / 1e9 };
  }

  stats(): EstimatorStats {
    const rtt = this.roundTrip();
    return {
      windows: this.windows,
      delayExchanges: this.exchanges,
      line: this.line,
      pathDelayNs: rtt === null ? null : rtt / 2,
      lastResidualNs: this.lastResidual,
      steps: this.steps,
    };
  }

  private x(localNs: bigint): number {
    return Number(localNs - (this.originLocal ?? localNs)) / 1e9;
  }

  /** Returns true when the window point was accepted. */
  private closeWindow(): boolean {
    const best = this.windowBest;
    this.windowBest = null;
    if (best === null) return false;
    this.windows++;
    if (this.line !== null && this.line.points >= 4) {
      const residual = best.y - (this.line.intercept + this.line.slope * (best.x - this.line.xMean));
      this.lastResidual = residual;
      if (Math.abs(residual) > this.options.stepThresholdNs) {
        // One wild window is a stall; three in a row is the master's time having moved.
        if (++this.offLine >= 3) {
          this.steps++;
          this.reset();
        }
        return false;
      }
    }
    this.offLine = 0;
    this.points.push(best);
    if (this.points.length > this.options.fitWindows) this.points.shift();
    this.line = fitRobust(this.points);
    return true;
  }

  private lineAt(x: number): number | null {
    if (this.line !== null) return this.line.intercept + this.line.slope * (x - this.line.xMean);
    // Before two windows exist, the best Sync seen so far stands in for the line.
    const p = this.points[this.points.length - 1] ?? this.windowBest;
    return p ? p.y : null;
  }

  private roundTrip(): number | null {
    let min: number | null = null;
    for (const d of this.delays) {
      const a = this.lineAt(d.x);
      if (a === null) return null;
      const rtt = d.y - a;
      if (min === null || rtt < min) min = rtt;
    }
    // A negative round trip means the line is not settled yet; a path delay is never < 0.
    return min === null ? null : Math.max(0, min);
  }
}

export function fitLine(points: readonly Point[]): Line | null {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const xMean = sx / n;
  const yMean = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - xMean) ** 2;
    sxy += (p.x - xMean) * (p.y - yMean);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  let sr = 0;
  for (const p of points) sr += (p.y - (yMean + slope * (p.x - xMean))) ** 2;
  return { intercept: yMean, slope, xMean, rms: Math.sqrt(sr / n), points: n };
}

/**
 * Least squares, then once more without the points far below the line: the timestamp error
 * only ever pushes a window's best sample down (a late arrival), never up.
 */
export function fitRobust(points: readonly Point[]): Line | null {
  const first = fitLine(points);
  if (first === null || points.length < 5) return first;
  const residuals = points.map((p) => p.y - (first.intercept + first.slope * (p.x - first.xMean)));
  const mad = median(residuals.map(Math.abs));
  const floor = -Math.max(20_000, 3 * mad);
  const kept = points.filter((_, i) => residuals[i]! >= floor);
  return kept.length >= 3 && kept.length < points.length ? fitLine(kept) : first;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
