/** The host side of the engine protocol against the real built engine process. */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { EngineSupervisor } from '../../main/engine-host/engine-supervisor';
import { forkEngine } from '../../main/engine-host/engine-process';
import { watchParent } from '../../main/engine/parent-watchdog';
import { ROOT } from '../helpers/airtight-process';

const ENTRY = join(ROOT, 'out', 'main', 'engine.js');
let engine: EngineSupervisor | undefined;
afterEach(async () => {
  engine?.kill('SIGKILL');
  await engine?.waitForExit(2000);
  engine = undefined;
});

function supervisor(env: NodeJS.ProcessEnv = {}): EngineSupervisor {
  engine = new EngineSupervisor({ launcher: forkEngine, entry: ENTRY, env: { ...process.env, ...env } });
  return engine;
}

describe('EngineSupervisor with the real engine', () => {
  it('handshakes, answers status, and refuses bad requests with coded errors', async () => {
    const e = supervisor();
    await e.start();
    const status = await e.request('engine.status', {});
    expect(status).toMatchObject({ pid: e.pid, protocol: 1, state: 'running', diagnostics: false });
    // Before any audio is configured, the engine holds only its title-updater timers.
    expect(status.resources.map((r) => r.label)).toEqual(['title updaters']);
    await expect(e.request('engine.shutdown', { reason: 'x', profile: 'normal', deadlineMs: -1 })).rejects.toMatchObject({
      error: { code: 'ENGINE_BAD_PARAMS' },
    });
    await expect(e.request('no.such' as 'engine.status', {})).rejects.toMatchObject({ error: { code: 'ENGINE_UNKNOWN_METHOD' } });
    await expect(e.request('diagnostics.open', { workerThread: true })).rejects.toMatchObject({
      error: { code: 'ENGINE_DIAGNOSTICS_OFF' },
    });
  });

  it('a shutdown request returns the report, then the engine exits by itself with code 0', async () => {
    const e = supervisor({ AIRTIGHT_ENGINE_DIAGNOSTICS: '1' });
    await e.start();
    await e.request('diagnostics.open', { workerThread: true });
    const report = await e.request('engine.shutdown', { reason: 'test', profile: 'normal', deadlineMs: 2000 });
    expect(report.resources).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'worker-thread', outcome: 'closed' })]));
    expect(report.resources.every((r) => r.outcome === 'closed')).toBe(true);
    expect(report.clean).toBe(true);
    expect(report.activeHandlesAfter).toEqual([]);
    expect(await e.waitForExit(3000)).toBe(true);
    expect(e.exited).toEqual({ code: 0, signal: null });
  });

  it('pending requests fail with ENGINE_EXITED when the engine dies', async () => {
    const e = supervisor({ AIRTIGHT_ENGINE_DIAGNOSTICS: '1' });
    await e.start();
    await e.request('diagnostics.fault', { fault: 'hang-on-shutdown' });
    const pending = e.request('engine.shutdown', { reason: 'test', profile: 'normal', deadlineMs: 5000 }, 10_000);
    e.kill('SIGKILL');
    await expect(pending).rejects.toMatchObject({ error: { code: 'ENGINE_EXITED' } });
    expect(e.killSignal).toBe('SIGKILL');
  });
});

describe('watchParent', () => {
  it('fires once when the parent pid changes (reparented after the host died)', async () => {
    const proc = { ppid: 100, kill: (): true => true };
    const reasons: string[] = [];
    const dog = watchParent(100, (r) => reasons.push(r), 5, proc);
    proc.ppid = 1;
    await new Promise((r) => setTimeout(r, 30));
    dog.stop();
    expect(reasons).toEqual(['parent pid changed from 100 to 1']);
  });

  it('fires when the host pid no longer exists', async () => {
    const proc = {
      ppid: 100,
      kill: () => {
        throw Object.assign(new Error('ESRCH'), { code: 'ESRCH' });
      },
    };
    const reasons: string[] = [];
    const dog = watchParent(100, (r) => reasons.push(r), 5, proc);
    await new Promise((r) => setTimeout(r, 30));
    dog.stop();
    expect(reasons).toEqual(['host process 100 is gone']);
  });
});
