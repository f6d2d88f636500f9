/** Dataset comparison (IEEE 1588-2008 9.3.4) and foreign-master qualification/expiry. */
import { describe, expect, it } from 'vitest';
import { ForeignMasters, compareDatasets, type MasterDataset } from '../../../main/engine/aes67/ptp/bmca';

function ds(over: Partial<MasterDataset> = {}): MasterDataset {
  return {
    grandmasterIdentity: '0000000000000002',
    priority1: 128,
    clockClass: 248,
    clockAccuracy: 0xfe,
    offsetScaledLogVariance: 0xffff,
    priority2: 128,
    stepsRemoved: 0,
    sender: { clockIdentity: '0000000000000002', portNumber: 1 },
    currentUtcOffset: 37,
    ptpTimescale: true,
    utcOffsetValid: true,
    timeSource: 0xa0,
    logAnnounceInterval: 1,
    ...over,
  };
}

describe('compareDatasets', () => {
  it('orders by priority1, class, accuracy, variance, priority2, then identity; earlier fields dominate', () => {
    const other = { grandmasterIdentity: '0000000000000001', sender: { clockIdentity: '0000000000000001', portNumber: 1 } };
    // Each field decides even when every later field (and the identity) favours the other clock.
    expect(compareDatasets(ds({ priority1: 100 }), ds({ ...other, clockClass: 6, clockAccuracy: 0x20, offsetScaledLogVariance: 1, priority2: 1 }))).toBeLessThan(0);
    expect(compareDatasets(ds({ clockClass: 6 }), ds({ ...other, clockAccuracy: 0x20, offsetScaledLogVariance: 1, priority2: 1 }))).toBeLessThan(0);
    expect(compareDatasets(ds({ clockAccuracy: 0x21 }), ds({ ...other, offsetScaledLogVariance: 1, priority2: 1 }))).toBeLessThan(0);
    expect(compareDatasets(ds({ offsetScaledLogVariance: 0x4e5d }), ds({ ...other, priority2: 1 }))).toBeLessThan(0);
    expect(compareDatasets(ds({ priority2: 1 }), ds(other))).toBeLessThan(0);
    expect(compareDatasets(ds(), ds(other))).toBeGreaterThan(0); // all equal: lower identity wins
    expect(compareDatasets(ds(other), ds())).toBeLessThan(0);
  });

  it('same grandmaster: fewer steps removed, then the lower sender port', () => {
    const viaA = ds({ stepsRemoved: 1, sender: { clockIdentity: '00000000000000aa', portNumber: 1 }, priority1: 255 });
    const viaB = ds({ stepsRemoved: 2, sender: { clockIdentity: '0000000000000001', portNumber: 1 } });
    expect(compareDatasets(viaA, viaB)).toBeLessThan(0); // priority1 is the grandmaster's: not compared on one path
    const portTwo = ds({ stepsRemoved: 1, sender: { clockIdentity: '00000000000000aa', portNumber: 2 } });
    expect(compareDatasets(viaA, portTwo)).toBeLessThan(0);
    expect(compareDatasets(viaA, { ...viaA })).toBe(0);
  });
});

describe('ForeignMasters', () => {
  const S = 1_000_000_000n;

  it('qualifies a master after 2 Announces within 4 intervals and expires it after 3 silent intervals', () => {
    const masters = new ForeignMasters();
    masters.onAnnounce(ds(), 0n);
    expect(masters.best()).toBeNull();
    masters.onAnnounce(ds(), 2n * S);
    expect(masters.best()?.grandmasterIdentity).toBe('0000000000000002');
    masters.expire(7n * S); // 5 s after the last of 2 s intervals: still within 3 x 2 s
    expect(masters.best()).not.toBeNull();
    masters.expire(8n * S + 1n);
    expect(masters.best()).toBeNull();
    expect(masters.count()).toBe(0);
  });

  it('two Announces further apart than the window do not qualify', () => {
    const masters = new ForeignMasters();
    masters.onAnnounce(ds({ logAnnounceInterval: 0 }), 0n);
    masters.onAnnounce(ds({ logAnnounceInterval: 0 }), 5n * S);
    expect(masters.best()).toBeNull();
  });

  it('picks the better of two qualified masters and ignores paths of 255 steps', () => {
    const masters = new ForeignMasters();
    const good = ds({ grandmasterIdentity: '0000000000000009', sender: { clockIdentity: '0000000000000009', portNumber: 1 }, priority1: 50 });
    for (const t of [0n, S]) {
      masters.onAnnounce(ds(), t);
      masters.onAnnounce(good, t);
      masters.onAnnounce(ds({ priority1: 0, stepsRemoved: 255, sender: { clockIdentity: '0000000000000007', portNumber: 1 } }), t);
    }
    expect(masters.best()?.grandmasterIdentity).toBe('0000000000000009');
  });
});
