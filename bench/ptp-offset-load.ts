/**
 * PTP follower accuracy, idle and under CPU load: kernel receive timestamps (SIOCGSTAMPNS,
 * main/engine/aes67/ptp/kernel-rx-time.ts) against JavaScript timestamps taken in the
 * 'message' handler. Both followers run at the same time in one namespace of a lab with
 * ptp4l as grandmaster, so they see the same packets and the same load; ptp4l's own slave
 * (software timestamps, free_running) runs beside them as the peer.
 *
 * The truth: every namespace shares one kernel clock and ptp4l -S announces ARB time, so PTP
 * time = CLOCK_REALTIME; each sample is the follower's time minus CLOCK_REALTIME read at the
 * same instant (test/aes67/ptp/fixtures/clock-child.ts). Load: busy-looping processes, one
 * per core plus one, for the second half. Root only (network namespaces); prints why not.
 *
 *   npx tsx bench/ptp-offset-load.ts [secondsPerPhase=25]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createNetnsLab } from '../test/helpers/netns-lab';
import { ROOT } from '../test/helpers/airtight-process';
import { LineLog, grandmasterRole, startPtp4l, type ChildLine } from '../test/aes67/ptp/ptp-lab';

const CHILD = join(ROOT, 'test', 'aes67', 'ptp', 'fixtures', 'clock-child.ts');

function summary(errorsNs: number[]): string {
  const abs = errorsNs.map((e) => Math.abs(e)).sort((a, b) => a - b);
  if (abs.length === 0) return 'no samples';
  const q = (p: number): number => Math.round(abs[Math.min(abs.length - 1, Math.floor(abs.length * p))]! / 1000);
  const mean = Math.round(errorsNs.reduce((a, b) => a + b, 0) / errorsNs.length / 1000);
  return `n=${abs.length} |error| median ${q(0.5)} µs, p90 ${q(0.9)} µs, worst ${q(1)} µs (mean ${mean} µs)`;
}

export async function run(log: (line: string) => void = console.log): Promise<number> {
  const phaseS = Number(process.argv[2] ?? 25) || 25;
  const made = await createNetnsLab({ hosts: 2 });
  if ('skip' in made) {
    log(`ptp-offset-load: skipped: ${made.skip}`);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ptp-bench-'));
  const hogs: ChildProcess[] = [];
  try {
    const [gmHost, rxHost] = made.hosts;
    const gm = startPtp4l(gmHost!, dir, 'gm', { role: 'master', priority1: 100 });
    await grandmasterRole(gm.log, 20_000);
    const slave = startPtp4l(rxHost!, dir, 'slave', { role: 'slave' });
    const followers = (['kernel', 'javascript'] as const).map((kind) => {
      const child = rxHost!.spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ mode: 'ptp', iface: rxHost!.iface, seconds: 2 * phaseS + 40 })], {
        cwd: ROOT,
        env: { ...process.env, AIRTIGHT_PTP_TIMESTAMPS: kind },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const lines = new LineLog<ChildLine>(child, (line) => {
        try {
          return JSON.parse(line) as ChildLine;
        } catch {
          return null;
        }
      });
      return { kind, child, lines };
    });
    for (const f of followers) await f.lines.waitFor((l) => l.type === 'state' && l.state === 'locked', 30_000, `${f.kind} follower lock`);
    // Let the fitted line settle past its first windows before measuring.
    await new Promise((r) => setTimeout(r, 5000));
    const idleFrom = performance.now();
    await new Promise((r) => setTimeout(r, phaseS * 1000));
    const loadFrom = performance.now();
    const idleLoad = loadavg()[0]!;
    for (let i = 0; i <= cpus().length; i++) hogs.push(spawn('timeout', [String(phaseS + 5), process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, phaseS * 1000));
    const loadEnd = performance.now();
    const busyLoad = loadavg()[0]!;
    for (const hog of hogs) hog.kill('SIGKILL');
    for (const f of followers) {
      f.child.stdin!.write('stop\n');
      await f.lines.waitFor((l) => l.type === 'stopped', 10_000, `${f.kind} follower stop`);
    }
    log(`ptp-offset-load: ${phaseS} s idle (load average ${idleLoad.toFixed(1)}), then ${phaseS} s with ${hogs.length} busy loops (load average ${busyLoad.toFixed(1)}) on ${cpus().length} cores`);
    for (const f of followers) {
      const samples = (from: number, to: number): number[] =>
        f.lines.lines.filter((l) => l.at >= from && l.at < to && l.value.type === 'sample' && l.value.state === 'locked').map((l) => (l.value as Extract<ChildLine, { type: 'sample' }>).ptpMinusRealtimeNs);
      const snapshot = (f.lines.lines.find((l) => l.value.type === 'snapshot')?.value as { snapshot?: { rxTimestamps?: unknown } } | undefined)?.snapshot;
      log(`  ${f.kind.padEnd(10)} idle:   ${summary(samples(idleFrom, loadFrom))}`);
      log(`  ${f.kind.padEnd(10)} loaded: ${summary(samples(loadFrom, loadEnd))}   rx stamps ${JSON.stringify(snapshot?.rxTimestamps ?? null)}`);
    }
    // The peer: ptp4l's slave reports its offset from the master once a second ("master offset N s2").
    const offsets = slave.log.lines.map((l) => ({ at: l.at, m: /master offset\s+(-?\d+) s\d/.exec(l.value) })).filter((o) => o.m);
    const peer = (from: number, to: number): number[] => offsets.filter((o) => o.at >= from && o.at < to).map((o) => Number(o.m![1]));
    log(`  ptp4l      idle:   ${summary(peer(idleFrom, loadFrom))}`);
    log(`  ptp4l      loaded: ${summary(peer(loadFrom, loadEnd))}   (its own offset estimate, not checked against the truth)`);
    return 0;
  } finally {
    for (const hog of hogs) hog.kill('SIGKILL');
    await made.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(2);
    },
  );
}
