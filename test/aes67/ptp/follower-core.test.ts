/**
 * The follower's protocol logic driven by modelled masters on a simulated clock: BMCA,
 * one- and two-step Sync, Delay_Req pacing, lock, grandmaster change, master loss.
 */
import { describe, expect, it } from 'vitest';
import { FollowerCore, type FollowerState } from '../../../main/engine/aes67/ptp/follower-core';
import type { ClockMapping } from '../../../main/engine/aes67/ptp/offset-estimator';
import { parsePtpMessage, type PortIdentity } from '../../../main/engine/aes67/ptp/ptp-messages';
import { ptpAt } from '../../../main/engine/aes67/ptp/shared-clock';
import { announce, delayResp, followUp, sync } from './ptp-packet-builder';
import { PathModel, prng } from './sim';

const MS = 1_000_000n;
const ME: PortIdentity = { clockIdentity: 'aabbccfffe000001', portNumber: 4242 };

interface Master {
  port: PortIdentity;
  gm: string;
  priority1: number;
  twoStep: boolean;
  logMinDelayReqInterval: number;
  silentFromMs?: number;
  startMs?: number;
  domain?: number;
  seq: number;
}

class Sim {
  now = 0n;
  readonly sent: Uint8Array[] = [];
  readonly sentAtMs: number[] = [];
  readonly states: { state: FollowerState; atMs: number }[] = [];
  readonly gms: { id: string | null; previous: string | null; atMs: number }[] = [];
  mapping: ClockMapping | null = null;
  readonly core: FollowerCore;
  private pendingResp: { atMs: number; bytes: Uint8Array }[] = [];

  constructor(
    readonly model: PathModel,
    readonly masters: Master[],
  ) {
    const random = prng(99);
    this.core = new FollowerCore(
      { domainNumber: 0, portIdentity: ME },
      {
        now: () => this.now,
        random,
        sendEvent: (bytes) => {
          this.sent.push(bytes);
          this.sentAtMs.push(this.ms());
          const req = parsePtpMessage(bytes);
          if (!req.ok) return;
          // Every live master answers on the wire; the follower must take only its master's answer.
          for (const m of this.live()) {
            const t4 = this.model.delayReqArrival(this.now);
            this.pendingResp.push({ atMs: this.ms() + 2, bytes: delayResp(m.port, req.message.header.sequenceId, t4, ME, m.logMinDelayReqInterval) });
          }
        },
      },
      {
        state: (state) => this.states.push({ state, atMs: this.ms() }),
        grandmaster: (id, previous) => this.gms.push({ id, previous, atMs: this.ms() }),
        mapping: (m) => {
          if (m) this.mapping = m;
        },
      },
    );
  }

  ms(): number {
    return Number(this.now / MS);
  }

  live(): Master[] {
    const ms = this.ms();
    return this.masters.filter((m) => ms >= (m.startMs ?? 0) && (m.silentFromMs === undefined || ms < m.silentFromMs));
  }

  runTo(endMs: number): void {
    for (let ms = this.ms(); ms < endMs; ms += 5) {
      this.now = BigInt(ms) * MS;
      for (const m of this.live()) {
        const local = ms - (m.startMs ?? 0);
        if (local % 2000 === 0) {
          this.core.onDatagram(announce({ source: m.port, sequenceId: m.seq++, gm: m.gm, priority1: m.priority1, domain: m.domain }), this.now);
        }
        if (local % 125 === 0) {
          const t1 = this.model.ptpAt(this.now);
          const arrival = this.model.syncArrival(t1);
          if (m.twoStep) {
            this.core.onDatagram(sync(m.port, m.seq, { twoStep: true, correctionNs: 700n, domain: m.domain }), arrival);
            this.core.onDatagram(followUp(m.port, m.seq++, t1 - 1000n, 300n), arrival + 20_000n);
          } else {
            this.core.onDatagram(sync(m.port, m.seq++, { twoStep: false, originNs: t1 - 500n, correctionNs: 500n, domain: m.domain }), arrival);
          }
        }
      }
      for (const r of this.pendingResp.filter((p) => p.atMs <= ms)) this.core.onDatagram(r.bytes, this.now);
      this.pendingResp = this.pendingResp.filter((p) => p.atMs > ms);
      this.core.tick(this.now);
    }
  }

  errorNs(): number {
    return Number(ptpAt(this.mapping!, this.now) - this.model.ptpAt(this.now));
  }
}

const master = (n: number, over: Partial<Master> = {}): Master => ({
  port: { clockIdentity: `00000000000000${n.toString(16).padStart(2, '0')}`, portNumber: 1 },
  gm: `00000000000000${n.toString(16).padStart(2, '0')}`,
  priority1: 128,
  twoStep: true,
  logMinDelayReqInterval: 0,
  seq: 0,
  ...over,
});

describe('FollowerCore', () => {
  it('two-step: qualifies the master, locks, tracks within 20 µs, sends only Delay_Req', () => {
    const sim = new Sim(new PathModel(prng(1), 1_800_000_000_000_000_000n, -20e-6, 25_000n), [master(1)]);
    sim.runTo(1900);
    expect(sim.sent).toEqual([]); // one Announce: not qualified, nothing sent
    sim.runTo(20_000);
    expect(sim.states.map((s) => s.state)).toEqual(['locking', 'locked']);
    expect(sim.states[1]!.atMs - sim.states[0]!.atMs).toBeLessThan(6000);
    expect(sim.gms).toEqual([{ id: '0000000000000001', previous: null, atMs: sim.states[0]!.atMs }]);
    expect(Math.abs(sim.errorNs())).toBeLessThan(20_000);
    expect(sim.sent.length).toBeGreaterThan(10);
    for (const bytes of sim.sent) {
      expect(bytes.length).toBe(44);
      expect(bytes[0]! & 0x0f).toBe(1); // Delay_Req, never Announce/Sync
    }
    expect(sim.core.snapshot().counters.unmatchedFollowUps).toBe(0);
  });

  it('one-step Sync with correctionField: locks and tracks', () => {
    const sim = new Sim(new PathModel(prng(2), 1_000_000_000_000n, 30e-6, 40_000n), [master(1, { twoStep: false })]);
    sim.runTo(20_000);
    expect(sim.core.state).toBe('locked');
    expect(Math.abs(sim.errorNs())).toBeLessThan(20_000);
  });

  it('Delay_Req never faster than the logMinDelayReqInterval the master gives in Delay_Resp', () => {
    const sim = new Sim(new PathModel(prng(3), 0n, 0, 10_000n), [master(1, { logMinDelayReqInterval: 2 })]);
    sim.runTo(60_000);
    const gaps = sim.sentAtMs.slice(2).map((t, i) => t - sim.sentAtMs[i + 1]!); // after the first answer
    expect(gaps.length).toBeGreaterThan(5);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(4000);
    expect(sim.core.snapshot().logMinDelayReqInterval).toBe(2);
  });

  it('a better grandmaster takes over: event, relock; its silence falls back to the first; total silence is free-run', () => {
    const sim = new Sim(new PathModel(prng(4), 1_000_000_000_000n, 0, 20_000n), [
      master(1, { priority1: 100, silentFromMs: 60_000 }),
      master(2, { priority1: 50, startMs: 20_000, silentFromMs: 40_000 }),
    ]);
    sim.runTo(20_000);
    expect(sim.core.state).toBe('locked');
    sim.runTo(40_000);
    expect(sim.gms.map((g) => g.id)).toEqual(['0000000000000001', '0000000000000002']);
    expect(sim.gms[1]!.previous).toBe('0000000000000001');
    const afterChange = sim.states.filter((s) => s.atMs >= 20_000).map((s) => s.state);
    expect(afterChange).toEqual(['locking', 'locked']);
    expect(Math.abs(sim.errorNs())).toBeLessThan(20_000);
    sim.runTo(55_000); // master 2 silent 6 s (3 x 2 s): back to master 1
    expect(sim.gms.map((g) => g.id)).toEqual(['0000000000000001', '0000000000000002', '0000000000000001']);
    expect(sim.core.state).toBe('locked');
    sim.runTo(70_000);
    expect(sim.gms[sim.gms.length - 1]!.id).toBeNull();
    expect(sim.core.state).toBe('free-run');
  });

  it('ignores masters of another domain', () => {
    const sim = new Sim(new PathModel(prng(5), 0n, 0, 10_000n), [master(1, { domain: 1 })]);
    sim.runTo(10_000);
    expect(sim.core.state).toBe('free-run');
    expect(sim.sent).toEqual([]);
    expect(sim.core.snapshot().counters.otherDomain).toBeGreaterThan(50);
  });
});
