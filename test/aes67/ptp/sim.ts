/** A deterministic PRNG and a model of a master/slave pair for the estimator and follower tests. */
export { seededRandom as prng } from '../../helpers/seeded-random';

/**
 * PTP(L) = ptp0 + L x (1 + drift) + step. JS-style timestamp error: exponential, mean
 * `meanLateNs`, plus a `stallChance` of a `stallNs` stall. Always late, never early.
 */
export class PathModel {
  step = 0n;
  constructor(
    readonly random: () => number,
    readonly ptp0: bigint,
    readonly drift: number,
    readonly delayNs: bigint,
    readonly meanLateNs = 40_000,
    readonly stallChance = 0.02,
    readonly stallNs = 3_000_000,
  ) {}

  ptpAt(local: bigint): bigint {
    return this.ptp0 + local + BigInt(Math.round(Number(local) * this.drift)) + this.step;
  }

  localAt(ptp: bigint): bigint {
    return BigInt(Math.round(Number(ptp - this.ptp0 - this.step) / (1 + this.drift)));
  }

  late(): bigint {
    const stall = this.random() < this.stallChance ? this.stallNs : 0;
    return BigInt(Math.round(-Math.log(1 - this.random()) * this.meanLateNs + stall));
  }

  /** A Sync sent at master time t1: the local time we stamp on its arrival. */
  syncArrival(t1: bigint): bigint {
    return this.localAt(t1 + this.delayNs) + this.late();
  }

  /** A Delay_Req stamped t3 locally: the master's receive time t4. */
  delayReqArrival(t3: bigint): bigint {
    return this.ptpAt(t3 + this.late()) + this.delayNs;
  }
}
