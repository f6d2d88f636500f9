/**
 * Best master clock algorithm for a slave-only port (IEEE 1588-2008 9.3): keep a record per
 * foreign master from its Announces, qualify a master once it has sent 2 Announces within
 * 4 announce intervals, forget it after announceReceiptTimeout (3) intervals of silence, and
 * pick the best qualified one by dataset comparison. A slave-only clock never competes
 * itself, so the comparison is only ever between foreign masters.
 */
import { Flags, portIdentityText, type AnnounceBody, type PortIdentity, type PtpHeader } from './ptp-messages';

export const FOREIGN_MASTER_THRESHOLD = 2;
export const FOREIGN_MASTER_TIME_WINDOW = 4;
export const ANNOUNCE_RECEIPT_TIMEOUT = 3;

export interface MasterDataset {
  grandmasterIdentity: string;
  priority1: number;
  clockClass: number;
  clockAccuracy: number;
  offsetScaledLogVariance: number;
  priority2: number;
  stepsRemoved: number;
  /** The port that sent the Announce (the master we would sync to). */
  sender: PortIdentity;
  currentUtcOffset: number;
  ptpTimescale: boolean;
  utcOffsetValid: boolean;
  timeSource: number;
  logAnnounceInterval: number;
}

export function datasetFromAnnounce(header: PtpHeader, body: AnnounceBody): MasterDataset {
  return {
    grandmasterIdentity: body.grandmasterIdentity,
    priority1: body.priority1,
    clockClass: body.clockClass,
    clockAccuracy: body.clockAccuracy,
    offsetScaledLogVariance: body.offsetScaledLogVariance,
    priority2: body.priority2,
    stepsRemoved: body.stepsRemoved,
    sender: header.sourcePortIdentity,
    currentUtcOffset: body.currentUtcOffset,
    ptpTimescale: (header.flags & Flags.PTP_TIMESCALE) !== 0,
    utcOffsetValid: (header.flags & Flags.UTC_OFFSET_VALID) !== 0,
    timeSource: body.timeSource,
    // An unspecified or absurd interval falls back to the default profile's 2 s.
    logAnnounceInterval: header.logMessageInterval >= -4 && header.logMessageInterval <= 8 ? header.logMessageInterval : 1,
  };
}

/**
 * Negative when `a` is the better master, positive when `b` is, 0 when equal.
 * Different grandmasters: priority1, clockClass, clockAccuracy, offsetScaledLogVariance,
 * priority2, then the grandmaster identity (lower wins). Same grandmaster: the shorter path
 * (stepsRemoved), then the lower sender port identity (topology tie-break).
 */
export function compareDatasets(a: MasterDataset, b: MasterDataset): number {
  if (a.grandmasterIdentity !== b.grandmasterIdentity) {
    const order: (keyof MasterDataset)[] = ['priority1', 'clockClass', 'clockAccuracy', 'offsetScaledLogVariance', 'priority2'];
    for (const key of order) {
      const diff = (a[key] as number) - (b[key] as number);
      if (diff !== 0) return diff;
    }
    return a.grandmasterIdentity < b.grandmasterIdentity ? -1 : 1;
  }
  if (a.stepsRemoved !== b.stepsRemoved) return a.stepsRemoved - b.stepsRemoved;
  const pa = portIdentityText(a.sender);
  const pb = portIdentityText(b.sender);
  return pa === pb ? 0 : pa < pb ? -1 : 1;
}

interface ForeignRecord {
  dataset: MasterDataset;
  /** Local receive times (ns) of recent Announces, oldest first. */
  receivedAt: bigint[];
}

const SECOND = 1_000_000_000n;

function intervalNs(logInterval: number): bigint {
  return logInterval >= 0 ? SECOND << BigInt(logInterval) : SECOND >> BigInt(-logInterval);
}

export class ForeignMasters {
  private readonly records = new Map<string, ForeignRecord>();

  /**
   * Records an Announce. We never send Announces, so none is ours; a ptp4l on this host may
   * share our MAC-derived clock identity and is a valid master. Paths of 255+ steps are not.
   */
  onAnnounce(dataset: MasterDataset, localNs: bigint): void {
    if (dataset.stepsRemoved >= 255) return;
    const key = portIdentityText(dataset.sender);
    const record = this.records.get(key) ?? { dataset, receivedAt: [] };
    record.dataset = dataset;
    record.receivedAt.push(localNs);
    this.records.set(key, record);
    this.trim(record, localNs);
  }

  /** Drops masters silent for announceReceiptTimeout intervals. */
  expire(localNs: bigint): void {
    for (const [key, record] of this.records) {
      const last = record.receivedAt[record.receivedAt.length - 1] ?? 0n;
      if (localNs - last > BigInt(ANNOUNCE_RECEIPT_TIMEOUT) * intervalNs(record.dataset.logAnnounceInterval)) this.records.delete(key);
      else this.trim(record, localNs);
    }
  }

  /** The best qualified master, or null. */
  best(): MasterDataset | null {
    let best: MasterDataset | null = null;
    for (const record of this.records.values()) {
      if (record.receivedAt.length < FOREIGN_MASTER_THRESHOLD) continue;
      if (best === null || compareDatasets(record.dataset, best) < 0) best = record.dataset;
    }
    return best;
  }

  count(): number {
    return this.records.size;
  }

  private trim(record: ForeignRecord, localNs: bigint): void {
    const window = BigInt(FOREIGN_MASTER_TIME_WINDOW) * intervalNs(record.dataset.logAnnounceInterval);
    while (record.receivedAt.length > 0 && localNs - record.receivedAt[0]! > window) record.receivedAt.shift();
  }
}
