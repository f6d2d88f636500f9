/**
 * The PTP follower's protocol logic, free of sockets and threads so it can be driven by
 * recorded packets in tests: BMCA over Announces, one- and two-step Sync, Delay_Req at the
 * rate the master allows, the offset estimator, and the lock state.
 *
 * Slave only: the only message it ever produces is a Delay_Req, and only once a master has
 * been selected and a Sync from it has been seen.
 *
 * States:
 * - free-run: no qualified master (none heard yet, or the last one went silent for
 *   announceReceiptTimeout intervals). The worker keeps time from the last mapping (or the
 *   local clock when there never was one).
 * - locking:  a master is selected; collecting exchanges. Entered on start, on a master
 *   change, on a grandmaster change and when the estimator detected a step.
 * - locked:   the fitted line has >= LOCK_MIN_WINDOWS window points, >= LOCK_MIN_DELAYS
 *   Delay_Req exchanges, and an rms residual below LOCK_MAX_RMS_NS. It drops back to locking
 *   when the rms exceeds UNLOCK_RMS_NS (hysteresis) or the estimator resets.
 */
import { ForeignMasters, compareDatasets, datasetFromAnnounce, type MasterDataset } from './bmca';
import { DEFAULT_ESTIMATOR_OPTIONS, OffsetEstimator, type ClockMapping, type EstimatorOptions, type EstimatorStats } from './offset-estimator';
import {
  Flags,
  LOG_INTERVAL_UNSPECIFIED,
  correctionNs,
  encodeDelayReq,
  parsePtpMessage,
  samePort,
  timestampNs,
  type PortIdentity,
  type PtpMessage,
} from './ptp-messages';

export type FollowerState = 'free-run' | 'locking' | 'locked';

export const LOCK_MIN_WINDOWS = 6;
export const LOCK_MIN_DELAYS = 2;
export const LOCK_MAX_RMS_NS = 150_000;
export const UNLOCK_RMS_NS = 400_000;
/** Delay_Req interval before a Delay_Resp has told us the master's minimum (2^0 = 1 s). */
export const INITIAL_LOG_DELAY_REQ_INTERVAL = 0;

export interface FollowerIo {
  /** Local monotonic time in ns (process.hrtime.bigint()). */
  now(): bigint;
  /** Sends a Delay_Req to the event port of the PTP group. */
  sendEvent(bytes: Uint8Array): void;
  random(): number;
}

export interface FollowerListener {
  state(state: FollowerState, reason: string): void;
  /** The grandmaster changed (null: none any more). */
  grandmaster(id: string | null, previous: string | null, dataset: MasterDataset | null): void;
  /** A new mapping (after each accepted window or delay exchange); null after a reset. */
  mapping(mapping: ClockMapping | null): void;
}

export interface FollowerOptions {
  domainNumber: number;
  portIdentity: PortIdentity;
  estimator?: EstimatorOptions;
}

export interface FollowerCounters {
  received: number;
  malformed: number;
  otherDomain: number;
  ignored: number;
  syncs: number;
  followUps: number;
  unmatchedFollowUps: number;
  delayReqsSent: number;
  delayResps: number;
  announces: number;
  /** Delay_Req departures taken from our own looped-back copy (a kernel stamp), not from JavaScript. */
  delayReqLoopbackStamps: number;
}

export interface FollowerSnapshot {
  state: FollowerState;
  master: MasterDataset | null;
  logMinDelayReqInterval: number;
  counters: FollowerCounters;
  estimator: EstimatorStats;
}

interface PendingSync {
  sequenceId: number;
  t2: bigint;
  correction: bigint;
}

export class FollowerCore {
  private readonly masters = new ForeignMasters();
  private readonly estimator: OffsetEstimator;
  private master: MasterDataset | null = null;
  private currentState: FollowerState = 'free-run';
  private pendingSyncs: PendingSync[] = [];
  private pendingDelayReq: { sequenceId: number; t3: bigint } | null = null;
  private delayReqSequence: number;
  private logMinDelayReqInterval = INITIAL_LOG_DELAY_REQ_INTERVAL;
  private nextDelayReqAt: bigint | null = null;
  private seenSync = false;
  private readonly counters: FollowerCounters = {
    received: 0,
    malformed: 0,
    otherDomain: 0,
    ignored: 0,
    syncs: 0,
    followUps: 0,
    unmatchedFollowUps: 0,
    delayReqsSent: 0,
    delayResps: 0,
    announces: 0,
    delayReqLoopbackStamps: 0,
  };

  constructor(
    private readonly options: FollowerOptions,
    private readonly io: FollowerIo,
    private readonly listener: FollowerListener,
  ) {
    this.estimator = new OffsetEstimator(options.estimator ?? DEFAULT_ESTIMATOR_OPTIONS);
    this.delayReqSequence = Math.floor(io.random() * 0x10000);
  }

  get state(): FollowerState {
    return this.currentState;
  }

  /** A datagram from port 319 or 320, with the local time it was read. */
  onDatagram(buf: Uint8Array, rxLocal: bigint): void {
    this.counters.received++;
    const parsed = parsePtpMessage(buf);
    if (!parsed.ok) {
      this.counters.malformed++;
      return;
    }
    const msg = parsed.message;
    if (msg.header.domainNumber !== this.options.domainNumber) {
      this.counters.otherDomain++;
      return;
    }
    this.onMessage(msg, rxLocal);
  }

  /** Timers: master expiry and the Delay_Req schedule. Call every few tens of ms. */
  tick(localNow: bigint): void {
    this.masters.expire(localNow);
    this.reselect();
    if (this.master !== null && this.seenSync && this.nextDelayReqAt !== null && localNow >= this.nextDelayReqAt) {
      this.sendDelayReq();
    }
  }

  snapshot(): FollowerSnapshot {
    return {
      state: this.currentState,
      master: this.master,
      logMinDelayReqInterval: this.logMinDelayReqInterval,
      counters: { ...this.counters },
      estimator: this.estimator.stats(),
    };
  }

  private onMessage(msg: PtpMessage, rxLocal: bigint): void {
    switch (msg.type) {
      case 'announce':
        this.counters.announces++;
        this.masters.onAnnounce(datasetFromAnnounce(msg.header, msg.body), rxLocal);
        this.reselect();
        return;
      case 'sync':
        if (!this.fromMaster(msg.header.sourcePortIdentity)) return void this.counters.ignored++;
        this.counters.syncs++;
        if ((msg.header.flags & Flags.TWO_STEP) !== 0) {
          this.pendingSyncs.push({ sequenceId: msg.header.sequenceId, t2: rxLocal, correction: correctionNs(msg.header) });
          if (this.pendingSyncs.length > 4) this.pendingSyncs.shift();
        } else {
          this.onSyncComplete(timestampNs(msg.originTimestamp) + correctionNs(msg.header), rxLocal);
        }
        return;
      case 'follow-up': {
        if (!this.fromMaster(msg.header.sourcePortIdentity)) return void this.counters.ignored++;
        this.counters.followUps++;
        const index = this.pendingSyncs.findIndex((p) => p.sequenceId === msg.header.sequenceId);
        if (index < 0) return void this.counters.unmatchedFollowUps++;
        const sync = this.pendingSyncs[index]!;
        this.pendingSyncs.splice(0, index + 1);
        this.onSyncComplete(timestampNs(msg.preciseOriginTimestamp) + sync.correction + correctionNs(msg.header), sync.t2);
        return;
      }
      case 'delay-resp': {
        const pending = this.pendingDelayReq;
        if (
          pending === null ||
          !this.fromMaster(msg.header.sourcePortIdentity) ||
          !samePort(msg.requestingPortIdentity, this.options.portIdentity) ||
          msg.header.sequenceId !== pending.sequenceId
        ) {
          return void this.counters.ignored++;
        }
        this.counters.delayResps++;
        this.pendingDelayReq = null;
        const log = msg.header.logMessageInterval;
        if (log !== LOG_INTERVAL_UNSPECIFIED && log >= -7 && log <= 7) this.logMinDelayReqInterval = log;
        // t4 is the master's receive time; its correction is subtracted (1588 11.3.2).
        this.estimator.addDelay(pending.t3, timestampNs(msg.receiveTimestamp) - correctionNs(msg.header));
        this.publish();
        return;
      }
      case 'delay-req': {
        // Our own Delay_Req, looped back with a kernel stamp (ptp-sockets.ts: only when the
        // sockets have kernel stamps): a better departure time than the one read before send().
        const pending = this.pendingDelayReq;
        if (pending !== null && samePort(msg.header.sourcePortIdentity, this.options.portIdentity) && msg.header.sequenceId === pending.sequenceId) {
          // The departure can only be after the JavaScript reading, and soon after it.
          if (rxLocal >= pending.t3 && rxLocal - pending.t3 < 5_000_000n) {
            pending.t3 = rxLocal;
            this.counters.delayReqLoopbackStamps++;
          }
          return;
        }
        this.counters.ignored++;
        return;
      }
      default:
        // Delay_Req from other slaves, peer delay, signaling, management: not for a slave-only E2E port.
        this.counters.ignored++;
    }
  }

  private fromMaster(port: PortIdentity): boolean {
    return this.master !== null && samePort(port, this.master.sender);
  }

  private onSyncComplete(t1: bigint, t2: bigint): void {
    const stepsBefore = this.estimator.stats().steps;
    if (!this.seenSync) {
      this.seenSync = true;
      this.scheduleDelayReq(t2);
    }
    const closed = this.estimator.addSync(t1, t2);
    if (this.estimator.stats().steps !== stepsBefore) {
      this.setState('locking', 'the master time stepped: refitting');
      this.listener.mapping(null);
      return;
    }
    if (closed) this.publish();
  }

  private publish(): void {
    const now = this.io.now();
    const mapping = this.estimator.mapping(now);
    if (mapping !== null) this.listener.mapping(mapping);
    this.evaluateLock();
  }

  private evaluateLock(): void {
    if (this.master === null) return;
    const stats = this.estimator.stats();
    const line = stats.line;
    if (this.currentState === 'locked') {
      if (line !== null && line.rms > UNLOCK_RMS_NS) this.setState('locking', `fit residual ${Math.round(line.rms / 1000)} µs rms`);
      return;
    }
    if (line !== null && line.points >= LOCK_MIN_WINDOWS && stats.delayExchanges >= LOCK_MIN_DELAYS && line.rms < LOCK_MAX_RMS_NS) {
      this.setState('locked', `fit over ${line.points} windows, ${Math.round(line.rms / 1000)} µs rms`);
    }
  }

  private reselect(): void {
    const best = this.masters.best();
    const previous = this.master;
    if (best === null && previous === null) return;
    if (best !== null && previous !== null && compareDatasets(best, previous) === 0) {
      this.master = best; // same port and grandmaster: take the fresh dataset (utc offset, class)
      return;
    }
    this.master = best;
    this.restart();
    const previousGm = previous?.grandmasterIdentity ?? null;
    const gm = best?.grandmasterIdentity ?? null;
    // Grandmaster first: a listener re-announcing the SDP sees the new id before the state.
    if (gm !== previousGm) this.listener.grandmaster(gm, previousGm, best);
    if (best === null) this.setState('free-run', 'no PTP master: the last one went silent');
    else this.setState('locking', `following ${best.sender.clockIdentity}-${best.sender.portNumber}`);
  }

  private restart(): void {
    this.estimator.reset();
    this.pendingSyncs = [];
    this.pendingDelayReq = null;
    this.seenSync = false;
    this.nextDelayReqAt = null;
    this.logMinDelayReqInterval = INITIAL_LOG_DELAY_REQ_INTERVAL;
    this.listener.mapping(null);
  }

  private scheduleDelayReq(from: bigint): void {
    // Never faster than 2^logMinDelayReqInterval; a random extra 0..25 % keeps many slaves apart.
    const base = 2 ** this.logMinDelayReqInterval * 1e9;
    this.nextDelayReqAt = from + BigInt(Math.round(base * (1 + 0.25 * this.io.random())));
  }

  private sendDelayReq(): void {
    this.delayReqSequence = (this.delayReqSequence + 1) & 0xffff;
    const bytes = encodeDelayReq({
      domainNumber: this.options.domainNumber,
      sourcePortIdentity: this.options.portIdentity,
      sequenceId: this.delayReqSequence,
    });
    // t3 is read just before the send: the true departure can only be later (one-sided error).
    const t3 = this.io.now();
    this.pendingDelayReq = { sequenceId: this.delayReqSequence, t3 };
    this.io.sendEvent(bytes);
    this.counters.delayReqsSent++;
    this.scheduleDelayReq(t3);
  }

  private setState(state: FollowerState, reason: string): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.listener.state(state, reason);
  }
}
