import { describe, expect, it } from 'vitest';
import { ShutdownCoordinator } from '../../main/lifecycle/shutdown-coordinator';
import { SHUTDOWN_PHASES } from '../../main/protocol/shutdown-report';
import type { ProfileDeadlines } from '../../main/lifecycle/shutdown-profiles';

function profiles(phaseMs: number, totalMs: number): { normal: ProfileDeadlines; fast: ProfileDeadlines } {
  const phases = Object.fromEntries(SHUTDOWN_PHASES.map((p) => [p, phaseMs])) as ProfileDeadlines['phases'];
  return { normal: { phases, totalMs }, fast: { phases, totalMs: totalMs / 2 } };
}

const never = (): Promise<void> => new Promise(() => undefined);

describe('ShutdownCoordinator', () => {
  it('runs phases in order, participants of a phase together, and reports each', async () => {
    const c = new ShutdownCoordinator({ profiles: profiles(200, 5000) });
    const seen: string[] = [];
    c.join('persist-settings', 'settings', () => void seen.push('persist'));
    c.join('engine-shutdown', 'engine', async () => {
      seen.push('engine');
      return 'closed 3';
    });
    c.join('freeze-inputs', 'tray', () => void seen.push('tray'));
    c.join('freeze-inputs', 'shortcuts', () => void seen.push('shortcuts'));
    const report = await c.run('SIGTERM');
    expect(seen).toEqual(['tray', 'shortcuts', 'engine', 'persist']);
    expect(report.phases.map((p) => p.phase)).toEqual([...SHUTDOWN_PHASES]);
    expect(report.phases.find((p) => p.phase === 'engine-shutdown')!.participants).toEqual([
      { name: 'engine', outcome: 'ok', ms: expect.any(Number), detail: 'closed 3' },
    ]);
    expect(report.phases.find((p) => p.phase === 'notify-ui')!.outcome).toBe('skipped');
    expect(report.clean).toBe(true);
    expect(report.trigger).toBe('SIGTERM');
    expect(report.profile).toBe('normal');
  });

  it('is memoized: every later trigger gets the first run', async () => {
    const c = new ShutdownCoordinator({ profiles: profiles(200, 5000) });
    let runs = 0;
    c.join('engine-shutdown', 'engine', () => void runs++);
    const first = c.run('window-close');
    const second = c.run('SIGINT');
    expect(second).toBe(first);
    expect((await second).trigger).toBe('window-close');
    await c.run('fatal-error');
    expect(runs).toBe(1);
  });

  it('a participant that hangs or throws is recorded and the sequence goes on', async () => {
    const c = new ShutdownCoordinator({ profiles: profiles(50, 5000) });
    let persisted = false;
    c.join('engine-shutdown', 'stuck', never);
    c.join('engine-shutdown', 'quick', () => 'fine');
    c.join('engine-exit', 'broken', () => {
      throw Object.assign(new Error('pipe broke'), { code: 'EPIPE' });
    });
    c.join('persist-settings', 'settings', () => void (persisted = true));
    const report = await c.run('SIGTERM');
    const shutdown = report.phases.find((p) => p.phase === 'engine-shutdown')!;
    expect(shutdown.outcome).toBe('timed-out');
    expect(shutdown.participants.map((p) => [p.name, p.outcome])).toEqual([
      ['stuck', 'timed-out'],
      ['quick', 'ok'],
    ]);
    expect(report.phases.find((p) => p.phase === 'engine-exit')!.participants[0]).toMatchObject({
      outcome: 'failed',
      detail: 'EPIPE: pipe broke',
    });
    expect(persisted).toBe(true);
    expect(report.clean).toBe(false);
  });

  it('after the total deadline, only the essential phases still run', async () => {
    const c = new ShutdownCoordinator({ profiles: profiles(100, 120) });
    const ran: string[] = [];
    c.join('freeze-inputs', 'slow', never);
    c.join('engine-shutdown', 'stuck', () => {
      ran.push('engine-shutdown');
      return never(); // uses up what is left of the total
    });
    for (const phase of ['engine-exit', 'engine-terminate', 'engine-kill', 'verify-processes', 'persist-settings'] as const) {
      c.join(phase, phase, () => void ran.push(phase));
    }
    const report = await c.run('SIGTERM');
    expect(ran).toEqual(['engine-shutdown', 'engine-kill', 'verify-processes', 'persist-settings']);
    expect(report.phases.find((p) => p.phase === 'engine-terminate')!.participants[0]!.detail).toBe('total shutdown deadline reached');
    expect(report.phases.find((p) => p.phase === 'engine-kill')!.deadlineMs).toBe(250);
  });

  it('OS shutdown, session end and fatal errors use the fast profile', async () => {
    for (const trigger of ['os-shutdown', 'session-end', 'fatal-error'] as const) {
      const report = await new ShutdownCoordinator({ profiles: profiles(10, 100) }).run(trigger);
      expect(report.profile).toBe('fast');
    }
    expect((await new ShutdownCoordinator({ profiles: profiles(10, 100) }).run('tray-quit')).profile).toBe('normal');
  });

  it('reports progress to listeners, and a throwing listener does not stop the shutdown', async () => {
    const c = new ShutdownCoordinator({ profiles: profiles(50, 1000) });
    const events: string[] = [];
    c.onProgress(() => {
      throw new Error('broken screen');
    });
    c.onProgress((p) => events.push(`${p.phase}:${p.state}`));
    await c.run('app-quit');
    expect(events).toHaveLength(SHUTDOWN_PHASES.length * 2);
    expect(events[0]).toBe('freeze-inputs:started');
    expect(events.at(-1)).toBe('persist-settings:finished');
  });
});
