/**
 * `<data-dir>/engine.pid` names the running engine. A host that was killed cannot clean up,
 * so the next start reads this file and ends an engine that is somehow still there.
 */
import { readFileSync, rmSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { isSameProcessPresent, type ProcessTable } from '../shared/process-table';
import { delay } from '../shared/deadline';

const PidRecordSchema = z.object({ enginePid: z.number(), engineStartTime: z.string(), hostPid: z.number() });
type PidRecord = z.infer<typeof PidRecordSchema>;

export class EnginePidFile {
  constructor(
    private readonly path: string,
    private readonly table: ProcessTable,
  ) {}

  write(enginePid: number, hostPid = process.pid): void {
    const info = this.table.get(enginePid);
    const record: PidRecord = { enginePid, engineStartTime: info?.startTime ?? '', hostPid };
    writeFileAtomic.sync(this.path, JSON.stringify(record) + '\n');
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }

  private read(): PidRecord | undefined {
    try {
      return PidRecordSchema.parse(JSON.parse(readFileSync(this.path, 'utf8')));
    } catch {
      return undefined;
    }
  }

  /**
   * Ends an engine left behind by a crashed host. Returns what it found, for the log.
   * The start time guards against killing an unrelated process that reused the pid.
   */
  async reclaim(graceMs = 500): Promise<string | undefined> {
    const record = this.read();
    if (!record) return undefined;
    const proc = { pid: record.enginePid, startTime: record.engineStartTime };
    if (!record.engineStartTime || !isSameProcessPresent(this.table, proc)) {
      this.clear();
      return undefined;
    }
    signal(record.enginePid, 'SIGTERM');
    for (let waited = 0; waited < graceMs && isSameProcessPresent(this.table, proc); waited += 25) await delay(25);
    let how = 'stopped with SIGTERM';
    if (isSameProcessPresent(this.table, proc)) {
      signal(record.enginePid, 'SIGKILL');
      how = 'killed with SIGKILL';
      for (let waited = 0; waited < 1000 && isSameProcessPresent(this.table, proc); waited += 25) await delay(25);
    }
    this.clear();
    return `An engine left behind by an earlier run (pid ${record.enginePid}, host ${record.hostPid}) was ${how}.`;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone between the check and the signal.
  }
}
