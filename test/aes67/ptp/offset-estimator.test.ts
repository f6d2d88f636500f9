/**
 * The lucky-packet filter and fitted line against a modelled path: 50 ppm drift, 30 µs path
 * delay, JS-style one-sided timestamp noise (mean 40 µs) with 2 % stalls of 3 ms.
 */
import { describe, expect, it } from 'vitest';
import { OffsetEstimator, fitLine, fitRobust } from '../../../main/engine/aes67/ptp/offset-estimator';
import { ptpAt } from '../../../main/engine/aes67/ptp/shared-clock';
import { PathModel, prng } from './sim';

const MS = 1_000_000n;

function run(model: PathModel, estimator: OffsetEstimator, fromMs: number, toMs: number): void {
  for (let ms = fromMs; ms < toMs; ms += 125) {
    const t1 = model.ptpAt(BigInt(ms) * MS);
    estimator.addSync(t1, model.syncArrival(t1));
    if (ms % 1000 === 0) {
      const t3 = BigInt(ms + 60) * MS;
      estimator.addDelay(t3, model.delayReqArrival(t3));
    }
  }
}

describe('OffsetEstimator', () => {
  it('recovers offset (< 10 µs) and rate (< 1 ppm) through noise 4x larger and 3 ms stalls', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const model = new PathModel(prng(seed), 1_700_000_000_000_000_000n, 50e-6, 30_000n);
      const estimator = new OffsetEstimator();
      run(model, estimator, 0, 30_000);
      const now = 30_000n * MS;
      const mapping = estimator.mapping(now);
      expect(mapping).not.toBeNull();
      const error = Number(mapping!.refPtpNs - model.ptpAt(now));
      expect(Math.abs(error), `seed ${seed}: offset error ${error} ns`).toBeLessThan(10_000);
      expect(Math.abs(mapping!.rate - 50e-6), `seed ${seed}: rate ${mapping!.rate}`).toBeLessThan(1e-6);
      // The mapping extrapolates: one second later it is still within 10 µs.
      const later = now + 1000n * MS;
      expect(Math.abs(Number(ptpAt(mapping!, later) - model.ptpAt(later)))).toBeLessThan(10_000);
      const stats = estimator.stats();
      expect(Math.abs(stats.pathDelayNs! - 30_000)).toBeLessThan(10_000);
    }
  });

  it('without the filter the same data is off by tens of µs (the filter is what makes JS timestamps usable)', () => {
    const model = new PathModel(prng(7), 0n, 0, 30_000n);
    let sum = 0;
    let n = 0;
    for (let ms = 0; ms < 10_000; ms += 125) {
      const t1 = model.ptpAt(BigInt(ms) * MS);
      sum += Number(t1 - model.syncArrival(t1)) + 30_000; // naive: every sample, delay known exactly
      n++;
    }
    expect(Math.abs(sum / n)).toBeGreaterThan(40_000);
  });

  it('a 10 ms step of the master time resets the fit after 3 windows, then converges on the new time', () => {
    const model = new PathModel(prng(11), 5_000_000_000n, 0, 20_000n);
    const estimator = new OffsetEstimator();
    run(model, estimator, 0, 10_000);
    model.step = 10n * MS;
    run(model, estimator, 10_000, 25_000);
    expect(estimator.stats().steps).toBe(1);
    const now = 25_000n * MS;
    expect(Math.abs(Number(estimator.mapping(now)!.refPtpNs - model.ptpAt(now)))).toBeLessThan(10_000);
  });

  it('no mapping before a Sync and a delay exchange', () => {
    const estimator = new OffsetEstimator();
    expect(estimator.mapping(0n)).toBeNull();
    estimator.addSync(1000n, 0n);
    expect(estimator.mapping(0n)).toBeNull();
    estimator.addDelay(10n, 2000n);
    expect(estimator.mapping(0n)).not.toBeNull();
  });

  it('fitLine is least squares; fitRobust drops the low outliers only', () => {
    const pts = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => ({ x, y: 100 + 3 * x }));
    const line = fitLine(pts)!;
    expect(line.slope).toBeCloseTo(3, 9);
    expect(line.intercept + line.slope * (0 - line.xMean)).toBeCloseTo(100, 6);
    const withLow = [...pts, { x: 8, y: 124 - 500_000 }];
    const robust = fitRobust(withLow)!;
    expect(robust.slope).toBeCloseTo(3, 6);
    expect(robust.points).toBe(8);
  });
});
