import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RunHistory, describePreviousRun } from '../../main/lifecycle/run-history';
import { ShutdownCoordinator } from '../../main/lifecycle/shutdown-coordinator';
import { tempDataDir } from '../helpers/airtight-process';

function history(dir: string): RunHistory {
  return new RunHistory(join(dir, 'run-state.json'), join(dir, 'shutdown-reports.jsonl'));
}

describe('RunHistory', () => {
  it('tells a first run, a clean end, an unclean end and a crash apart', async () => {
    const dir = tempDataDir();
    expect(history(dir).begin(1).kind).toBe('first-run');
    // Host 1 never finished: the next start sees a crash.
    const afterCrash = history(dir).begin(2);
    expect(afterCrash).toMatchObject({ kind: 'crashed', hostPid: 1 });
    expect(describePreviousRun(afterCrash)?.message).toMatch(/crashed or was killed/);

    const failing = new ShutdownCoordinator();
    failing.join('engine-terminate', 'engine', () => {
      throw new Error('the engine survived SIGTERM');
    });
    const h = history(dir);
    h.finish(await failing.run('SIGTERM'));
    const afterUnclean = history(dir).begin(3);
    expect(afterUnclean.kind).toBe('unclean');
    expect(describePreviousRun(afterUnclean)?.message).toMatch(/engine-terminate\/engine failed \(the engine survived SIGTERM\)/);

    history(dir).finish(await new ShutdownCoordinator().run('SIGINT'));
    expect(history(dir).begin(4).kind).toBe('clean');
    expect(history(dir).reports().map((r) => r.trigger)).toEqual(['SIGTERM', 'SIGINT']);
  });
});
