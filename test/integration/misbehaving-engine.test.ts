/**
 * An engine that never answers, one that also ignores SIGTERM, one that crashes, and a host
 * that is killed outright: the app still exits inside its deadline and says what failed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHUTDOWN_PROFILES } from '../../main/lifecycle/shutdown-profiles';
import { isPresent, lastReport, startAirtight, treeOf, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
import { killTree } from '../helpers/ports';

const started: RunningAirtight[] = [];
afterEach(() => {
  for (const r of started.splice(0)) killTree(r.pid);
});
async function start(...args: Parameters<typeof startAirtight>): Promise<RunningAirtight> {
  const r = await startAirtight(...args);
  started.push(r);
  return r;
}

const total = SHUTDOWN_PROFILES.normal.totalMs;

function phase(report: ReturnType<typeof lastReport>, name: string) {
  return report.phases.find((p) => p.phase === name)!;
}

describe('a misbehaving engine cannot hold the app hostage', () => {
  it('an engine that never answers the shutdown request is stopped with SIGTERM', async () => {
    const r = await start({ fault: 'hang-on-shutdown', open: { childProcess: true } });
    await r.waitForOutput(/fault armed: hang-on-shutdown/);
    const tree = treeOf(r.pid);
    r.child.kill('SIGTERM');
    const exit = await r.exited;
    expect(exit.code).toBe(1); // not clean
    const report = lastReport(r.dataDir);
    expect(report.clean).toBe(false);
    expect(report.ms).toBeLessThanOrEqual(total);
    expect(phase(report, 'engine-shutdown').outcome).toBe('failed');
    expect(phase(report, 'engine-shutdown').participants[0]!.detail).toMatch(/ENGINE_TIMEOUT/);
    expect(phase(report, 'engine-exit').outcome).toBe('failed');
    expect(phase(report, 'engine-terminate').outcome).toBe('ok');
    expect(phase(report, 'engine-kill').outcome).toBe('skipped');
    expect(phase(report, 'verify-processes').outcome).toBe('ok');
    for (const p of tree) expect(isPresent(p.pid), `pid ${p.pid}`).toBe(false);
    expect(r.output()).toMatch(/Shutdown was not clean: .*engine-shutdown\/engine failed/);
  });

  it('an engine that also ignores SIGTERM is killed; its orphaned helper is found and killed too', async () => {
    const r = await start({ fault: 'ignore-sigterm', open: { childProcess: true } });
    await r.waitForOutput(/fault armed: ignore-sigterm/);
    const tree = treeOf(r.pid);
    expect(tree.length).toBeGreaterThanOrEqual(3);
    r.child.kill('SIGTERM');
    await r.exited;
    const report = lastReport(r.dataDir);
    expect(report.clean).toBe(false);
    expect(report.ms).toBeLessThanOrEqual(total);
    expect(phase(report, 'engine-terminate').outcome).toBe('failed');
    expect(phase(report, 'engine-terminate').participants[0]!.detail).toMatch(/survived SIGTERM/);
    expect(phase(report, 'engine-kill').outcome).toBe('ok');
    // The helper outlived the SIGKILLed engine; the verify step found it by pid and killed it.
    const verify = phase(report, 'verify-processes');
    expect(verify.outcome).toBe('ok');
    expect(verify.participants[0]!.detail).toMatch(/killed leftovers \d+/);
    for (const p of tree) expect(isPresent(p.pid), `pid ${p.pid}`).toBe(false);

    // The next start says the last shutdown was not clean, and why.
    const next = await start({ dataDir: r.dataDir });
    expect(next.output()).toMatch(/The last shutdown .* was not clean: shutdown by SIGTERM .*engine-terminate\/engine failed/);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });

  it('a crashing engine is restarted, and a crash loop is stopped with a clear error', async () => {
    const r = await start({ fault: 'crash' });
    await r.waitForOutput(/not restarting/, 20_000);
    expect(r.output()).toMatch(/ENGINE_CRASH_LOOP/);
    expect(r.output().match(/The engine stopped unexpectedly \(exit code 70\); restarting it/g)).toHaveLength(3);
    r.child.kill('SIGTERM');
    const exit = await r.exited;
    expect(exit.code).toBe(0);
    expect(lastReport(r.dataDir).phases.find((p) => p.phase === 'engine-shutdown')!.outcome).toBe('skipped');
  });
});

describe('a killed host', () => {
  it('SIGKILL of the host: the engine and its helper are gone within 1 s, the next start is clean', async () => {
    const r = await start({ open: { childProcess: true, workerThread: true } });
    await r.waitForOutput(/opened 2 resources/);
    const tree = treeOf(r.pid).filter((p) => p.pid !== r.pid);
    expect(tree.length).toBeGreaterThanOrEqual(2);
    process.kill(r.pid, 'SIGKILL');
    const gone = await waitUntil(() => tree.every((p) => !isPresent(p.pid)), 1000);
    expect(gone, `still present: ${tree.filter((p) => isPresent(p.pid)).map((p) => p.pid)}`).toBe(true);

    const next = await start({ dataDir: r.dataDir });
    expect(next.output()).toMatch(/ended without a shutdown: it crashed or was killed/);
    expect(next.output()).not.toMatch(/left behind/);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
    expect(lastReport(next.dataDir).clean).toBe(true);
  });

  it('an engine left behind by a killed host is ended by the next start (pid file)', async () => {
    const r = await start();
    // A frozen engine cannot notice its host dying: the situation the pid file is for.
    process.kill(r.enginePid, 'SIGSTOP');
    process.kill(r.pid, 'SIGKILL');
    await r.exited;
    expect(isPresent(r.enginePid)).toBe(true);
    expect(existsSync(join(r.dataDir, 'engine.pid'))).toBe(true);

    const next = await start({ dataDir: r.dataDir });
    expect(next.output()).toMatch(new RegExp(`An engine left behind by an earlier run \\(pid ${r.enginePid}.*was killed with SIGKILL`));
    expect(await waitUntil(() => !isPresent(r.enginePid), 2000)).toBe(true);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });
});
