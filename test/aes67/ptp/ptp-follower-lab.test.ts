/**
 * The PTP follower against real ptp4l grandmasters in a network-namespace lab (root only;
 * skipped with the reason elsewhere). All namespaces share one kernel clock and ptp4l with
 * software timestamping stamps its messages with CLOCK_REALTIME, announcing the ARB
 * timescale (PTP_TIMESCALE flag clear). So the truth we compare against is
 *   PTP time = CLOCK_REALTIME + (ptpTimescale ? currentUtcOffset : 0) = CLOCK_REALTIME here,
 * with CLOCK_REALTIME read by clock_gettime in the child at the instant it evaluates the
 * clock's mapping (fixtures/clock-child.ts). The test reads the announced flag from the
 * follower's own snapshot rather than assuming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createNetnsLab, netnsLabSkipReason, type NetnsLab } from '../../helpers/netns-lab';
import { LineLog, grandmasterRole, samples, startClockChild, startPtp4l, tempDir, type ChildLine } from './ptp-lab';

const skipReason = netnsLabSkipReason() ?? (hasPtp4l() ? null : 'ptp4l (linuxptp) is not installed');
if (skipReason) console.log(`[ptp lab] skipped: ${skipReason}`);

function hasPtp4l(): boolean {
  try {
    return require('node:child_process').spawnSync('ptp4l', ['-v']).status === 0;
  } catch {
    return false;
  }
}

const TOLERANCE_NS = 200_000;
const LOCK_WITHIN_MS = 10_000;

type Snapshot = {
  master?: { ptpTimescale: boolean; currentUtcOffset: number; grandmasterIdentity: string };
  estimator?: { line?: { rms: number }; pathDelayNs?: number };
  counters?: Record<string, number>;
  rxTimestamps?: { kernel: number; javascript: number; kernelUnavailable: string | null };
};

function truthOffsetNs(snapshot: Snapshot): number {
  const master = snapshot.master!;
  return master.ptpTimescale ? master.currentUtcOffset * 1e9 : 0;
}

function worst(values: number[]): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/**
 * The error a sample shows includes the sampling itself: reading CLOCK_REALTIME and the
 * follower's time in JavaScript on a loaded 2-core machine can be preempted in between. So
 * 9 samples in 10 must be inside the tolerance; the worst is printed, not asserted.
 */
function p90(values: number[]): number {
  const sorted = values.map((v) => Math.abs(v)).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))] ?? 0;
}

describe.skipIf(skipReason !== null)('PTP follower in a namespace lab with ptp4l as grandmaster', () => {
  let lab: NetnsLab;
  let dir: string;
  let gmId: string;
  let gmReadyAt: number;
  let wire: LineLog<{ t: number; type: number; port: number }>;

  beforeAll(async () => {
    const made = await createNetnsLab({ hosts: 2 });
    if ('skip' in made) throw new Error(made.skip);
    lab = made;
    dir = tempDir();
    const [gmHost, rxHost] = lab.hosts;
    // Everything PTP the follower's host sends, seen from the grandmaster's side of the wire.
    const capture = gmHost!.spawn('tshark', ['-l', '-n', '-i', gmHost!.iface, '-f', `udp and src host ${rxHost!.address} and (port 319 or port 320)`, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ptp.v2.messagetype', '-e', 'ptp.v2.sourceportid']);
    wire = new LineLog(capture, (line) => {
      const [t, type, port] = line.trim().split('\t');
      return t && type ? { t: Number(t), type: Number(type), port: Number(port) } : null;
    });
    // A ptp4l slave on the follower's host first: we must share 319/320 with it.
    startPtp4l(rxHost!, dir, 'local-slave', { role: 'slave', udsAddress: join(dir, 'ptp4l.sock') });
    const gm = startPtp4l(gmHost!, dir, 'gm', { role: 'master', priority1: 100 });
    const role = await grandmasterRole(gm.log, 20_000);
    gmId = role.id;
    gmReadyAt = role.at;
  });

  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('locks within 10 s, stays within 200 µs of the truth, shares 319/320 with ptp4l, and the ptp4l mode agrees', async () => {
    const rxHost = lab.hosts[1]!;
    const follower = startClockChild(rxHost, { mode: 'ptp', iface: rxHost.iface });
    const viaPtp4l = startClockChild(rxHost, { mode: 'ptp4l', ptp4lSocket: join(dir, 'ptp4l.sock') });
    const started = (await follower.log.waitFor((l) => l.type === 'started', 15_000, 'follower start')).value as Extract<ChildLine, { type: 'started' }>;
    expect(started.mode).toBe('ptp');
    expect(started.warning).toBeNull();
    expect(started.heldPorts.map((p) => p.port).sort()).toEqual([319, 320]); // bound beside ptp4l (SO_REUSEADDR on both)

    const locked = await follower.log.waitFor((l) => l.type === 'state' && l.state === 'locked', 25_000, 'lock');
    // Lock time counted from when the follower started or the grandmaster appeared, whichever is later.
    const from = Math.max(gmReadyAt, follower.log.lines[0]!.at);
    expect(locked.at - from).toBeLessThan(LOCK_WITHIN_MS);
    const gmEvent = follower.log.lines.find((l) => l.value.type === 'grandmaster')?.value as Extract<ChildLine, { type: 'grandmaster' }>;
    expect(gmEvent.id).toBe(gmId);

    await new Promise((r) => setTimeout(r, 6000));
    const snapshot = (await follower.stop()) && (follower.log.lines.find((l) => l.value.type === 'snapshot')!.value as { snapshot: Snapshot }).snapshot;
    const truth = truthOffsetNs(snapshot);
    expect(snapshot.master!.ptpTimescale).toBe(false); // ptp4l -S announces ARB: PTP time is CLOCK_REALTIME
    const errors = samples(follower.log, locked.at).filter((s) => s.state === 'locked').map((s) => s.ptpMinusRealtimeNs - truth);
    expect(errors.length).toBeGreaterThan(20);
    console.log(
      `[ptp lab] follower: locked ${Math.round(locked.at - from)} ms after the grandmaster appeared; error vs CLOCK_REALTIME over ${errors.length} samples: ` +
        `mean ${Math.round(errors.reduce((a, b) => a + b, 0) / errors.length / 1000)} µs, worst ${Math.round(worst(errors) / 1000)} µs; ` +
        `fit rms ${Math.round((snapshot.estimator?.line?.rms ?? 0) / 1000)} µs, path delay ${Math.round((snapshot.estimator?.pathDelayNs ?? 0) / 1000)} µs`,
    );
    expect(p90(errors)).toBeLessThan(TOLERANCE_NS);
    // Kernel stamps on every datagram (Linux, koffi), and Delay_Req departures from the looped-back copy.
    expect(snapshot.rxTimestamps).toMatchObject({ javascript: 0, kernelUnavailable: null });
    expect(snapshot.rxTimestamps!.kernel).toBeGreaterThan(50);
    expect(snapshot.counters!.delayReqLoopbackStamps).toBeGreaterThan(3);
    const stopped = follower.log.lines.find((l) => l.value.type === 'stopped')!.value as Extract<ChildLine, { type: 'stopped' }>;
    expect(stopped.ports).toEqual([]); // after stop(): no socket on 319/320 held by the process

    // ptp4l kept working beside us: its management socket reports a present grandmaster and fresh Syncs.
    await viaPtp4l.log.waitFor((l) => l.type === 'state' && l.state === 'locked', 5000, 'ptp4l mode lock');
    const ptp4lGm = viaPtp4l.log.lines.find((l) => l.value.type === 'grandmaster')?.value as Extract<ChildLine, { type: 'grandmaster' }>;
    expect(ptp4lGm.id).toBe(gmId);
    await viaPtp4l.stop();
    const ptp4lSnap = (viaPtp4l.log.lines.find((l) => l.value.type === 'snapshot')!.value as unknown as { snapshot: { answered: number; lastStatus: { ingressTimeNs: string } } }).snapshot;
    expect(ptp4lSnap.answered).toBeGreaterThan(5);
    const ptp4lErrors = samples(viaPtp4l.log, 0).filter((s) => s.state === 'locked').map((s) => s.ptpMinusRealtimeNs);
    expect(ptp4lErrors.length).toBeGreaterThan(20);
    expect(p90(ptp4lErrors)).toBeLessThan(TOLERANCE_NS);
    console.log(`[ptp lab] ptp4l mode: worst ${Math.round(worst(ptp4lErrors) / 1000)} µs over ${ptp4lErrors.length} samples`);

    // On the wire: the host sent nothing but Delay_Req (ptp4l's slave uses port 1, ours a random
    // port), ours never faster than the master's logMinDelayReqInterval 0 (1 s).
    expect(wire.lines.length).toBeGreaterThan(5);
    expect([...new Set(wire.lines.map((l) => l.value.type))]).toEqual([1]);
    const ours = wire.lines.map((l) => l.value).filter((v) => v.port !== 1);
    expect(ours.length).toBeGreaterThan(5);
    const gaps = ours.slice(1).map((v, i) => v.t - ours[i]!.t);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.99);

    // An immediate restart binds cleanly while ptp4l still holds the ports.
    const again = startClockChild(rxHost, { mode: 'ptp', iface: rxHost.iface });
    const restarted = (await again.log.waitFor((l) => l.type === 'started', 15_000, 'restart')).value as Extract<ChildLine, { type: 'started' }>;
    expect(restarted.mode).toBe('ptp');
    expect(restarted.heldPorts.length).toBe(2);
    expect(((await again.stop()).value as Extract<ChildLine, { type: 'stopped' }>).ports).toEqual([]);
  });

  it('without the privilege for ports < 1024 it falls back to free-run and says how to fix it', async () => {
    const rxHost = lab.hosts[1]!;
    // Root minus CAP_NET_BIND_SERVICE; this fresh namespace keeps ip_unprivileged_port_start at 1024.
    const limit = await rxHost.run('cat', ['/proc/sys/net/ipv4/ip_unprivileged_port_start']);
    expect(Number(limit.stdout.trim())).toBeGreaterThan(320);
    const child = startClockChild(rxHost, { mode: 'ptp', iface: rxHost.iface }, ['setpriv', '--bounding-set=-net_bind_service']);
    const started = (await child.log.waitFor((l) => l.type === 'started', 15_000, 'start')).value as Extract<ChildLine, { type: 'started' }>;
    expect(started.mode).toBe('free-run');
    expect(started.warning?.code).toBe('PTP_PORT_PRIVILEGED');
    expect(started.warning?.message).toMatch(/cap_net_bind_service/);
    expect(started.warning?.message).toMatch(/ip_unprivileged_port_start/);
    expect(started.warning?.message).toMatch(/ptp4l/);
    expect(started.warning?.detail).toMatch(/EACCES/);
    const sample = (await child.log.waitFor((l) => l.type === 'sample', 5000, 'a sample')).value as Extract<ChildLine, { type: 'sample' }>;
    expect(sample.state).toBe('free-run');
    expect(sample.gm).toBeNull();
    // Free-run is the local clock as TAI: CLOCK_REALTIME + 37 s (ms-accurate).
    expect(Math.abs(sample.ptpMinusRealtimeNs - 37e9)).toBeLessThan(5e6);
    expect(((await child.stop()).value as Extract<ChildLine, { type: 'stopped' }>).ports).toEqual([]);
  });
});

describe.skipIf(skipReason !== null)('PTP follower: grandmaster change', () => {
  let lab: NetnsLab;
  let dir: string;

  beforeAll(async () => {
    const made = await createNetnsLab({ hosts: 3 });
    if ('skip' in made) throw new Error(made.skip);
    lab = made;
    dir = tempDir();
  });

  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a second ptp4l with a better priority1 takes over: grandmaster event, relock, still within 200 µs', async () => {
    const [gm1Host, gm2Host, rxHost] = lab.hosts;
    const gm1 = startPtp4l(gm1Host!, dir, 'gm1', { role: 'master', priority1: 100 });
    const follower = startClockChild(rxHost!, { mode: 'ptp', iface: rxHost!.iface });
    const gm1Id = (await grandmasterRole(gm1.log, 20_000)).id;
    await follower.log.waitFor((l) => l.type === 'state' && l.state === 'locked', 20_000, 'first lock');

    const gm2 = startPtp4l(gm2Host!, dir, 'gm2', { role: 'master', priority1: 50 });
    const change = await follower.log.waitFor((l) => l.type === 'grandmaster' && l.id !== gm1Id, 20_000, 'grandmaster change');
    const changed = change.value as Extract<ChildLine, { type: 'grandmaster' }>;
    expect(changed.previous).toBe(gm1Id);
    const gm2Log = gm2.log.lines.map((l) => l.value).join('\n');
    const gm2Raw = /selected local clock ([0-9a-f.]+)/.exec(gm2Log)?.[1]?.replace(/\./g, '') ?? '';
    expect(changed.id).toBe((gm2Raw.match(/../g) ?? []).join('-').toUpperCase());

    const relock = await follower.log.waitFor((l) => l.type === 'state' && l.state === 'locked' && l.atMs > changed.atMs, 15_000, 'relock');
    const relockAtMs = (relock.value as { atMs: number }).atMs;
    const between = follower.log.lines
      .map((l) => l.value)
      .filter((v): v is Extract<ChildLine, { type: 'state' }> => v.type === 'state' && v.atMs >= changed.atMs && v.atMs <= relockAtMs)
      .map((v) => v.state);
    expect(between).toEqual(['locking', 'locked']);
    await new Promise((r) => setTimeout(r, 3000));
    await follower.stop();
    const errors = samples(follower.log, relock.at).filter((s) => s.state === 'locked').map((s) => s.ptpMinusRealtimeNs);
    expect(errors.length).toBeGreaterThan(10);
    expect(p90(errors)).toBeLessThan(TOLERANCE_NS);
    console.log(`[ptp lab] grandmaster change: relocked ${Math.round(relock.at - change.at)} ms after the change; worst error after ${Math.round(worst(errors) / 1000)} µs`);
  });
});
