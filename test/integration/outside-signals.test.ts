/**
 * Signals and failures that come from outside Airtight: a service manager that SIGTERMs the
 * whole process group, a terminal or pipe that goes away, someone killing the engine alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isPresent, lastReport, startAirtight, treeOf, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
import { killTree } from '../helpers/ports';

const started: RunningAirtight[] = [];
afterEach(() => started.splice(0).forEach((r) => killTree(r.pid)));
async function start(...args: Parameters<typeof startAirtight>): Promise<RunningAirtight> {
  const r = await startAirtight(...args);
  started.push(r);
  return r;
}

describe('signals from outside', () => {
  it('SIGTERM to the whole process group (systemd KillMode=control-group) is one clean shutdown', async () => {
    const r = await start({ ownProcessGroup: true, open: { workerThread: true, childProcess: true } });
    await r.waitForOutput(/opened 2 resources/);
    const tree = treeOf(r.pid);
    process.kill(-r.pid, 'SIGTERM');
    const exit = await r.exited;
    expect(exit.code).toBe(0);
    const report = lastReport(r.dataDir);
    expect(report.clean).toBe(true);
    // Host and engine both got the signal; whichever acted first, the engine's report arrived.
    const resources = report.engine?.resources ?? [];
    expect(resources.map((r) => r.kind)).toEqual(expect.arrayContaining(['worker-thread', 'child-process', 'audio-device']));
    expect(resources.every((r) => r.outcome === 'closed')).toBe(true);
    expect(r.output()).not.toMatch(/restarting it/);
    for (const p of tree) expect(isPresent(p.pid), `pid ${p.pid}`).toBe(false);
  });

  it('Ctrl-C in a terminal (SIGINT to the group) is one clean shutdown; the engine leaves it to the host', async () => {
    const r = await start({ ownProcessGroup: true, open: { workerThread: true } });
    await r.waitForOutput(/opened 1 resources/);
    process.kill(-r.pid, 'SIGINT');
    expect((await r.exited).code).toBe(0);
    const report = lastReport(r.dataDir);
    expect(report.clean).toBe(true);
    expect(report.engine?.reason).toBe('SIGINT');
  });

  it('a closed stdout (terminal gone, `| head`) does not stop a clean quit', async () => {
    const r = await start({ open: { workerThread: true } });
    await r.waitForOutput(/opened 1 resources/);
    r.child.stdout!.destroy();
    r.child.stderr!.destroy();
    r.child.kill('SIGTERM');
    const exit = await r.exited;
    expect(exit.code).toBe(0);
    expect(lastReport(r.dataDir).clean).toBe(true);
  });

  it('an engine stopped from outside while running is reported and restarted', async () => {
    const r = await start();
    process.kill(r.enginePid, 'SIGTERM');
    await r.waitForOutput(/The engine stopped unexpectedly \(stopped by SIGTERM from outside Airtight\); restarting it/);
    await r.waitForOutput(/Engine running \(pid (?!\d*\b${r.enginePid}\b)\d+\)/);
    expect(await waitUntil(() => !isPresent(r.enginePid), 2000)).toBe(true);
    r.child.kill('SIGTERM');
    expect((await r.exited).code).toBe(0);
    expect(lastReport(r.dataDir).clean).toBe(true);
  });
});
