/**
 * The engine's part of the shutdown sequence: ask politely, wait for the exit, SIGTERM,
 * SIGKILL, then prove that neither the engine nor anything it spawned is still there.
 */
import type { ShutdownCoordinator } from '../lifecycle/shutdown-coordinator';
import { descendantsOf, isSameProcessPresent, type ProcessInfo, type ProcessTable } from '../shared/process-table';
import { delay } from '../shared/deadline';
import type { EngineSupervisor } from './engine-supervisor';
import type { EnginePidFile } from './engine-pid-file';

/** Time kept back from the engine's own budget to carry its reply over IPC. */
const REPLY_MARGIN_MS = 100;
const POLL_MS = 10;
/** Own waits end a little before the coordinator's deadline, so they report why they failed. */
const OWN_WAIT_MARGIN_MS = 25;

export function joinEngineShutdown(
  coordinator: ShutdownCoordinator,
  engine: EngineSupervisor,
  table: ProcessTable,
  pidFile: EnginePidFile,
): void {
  let snapshot: ProcessInfo[] = [];

  coordinator.join('engine-shutdown', 'engine', async (ctx) => {
    if (!engine.isRunning && !engine.stoppedOnItsOwn) return { skipped: 'the engine was not running' };
    if (engine.pid) snapshot = engineTree(table, engine.pid);
    const report = await engine
      .request(
        'engine.shutdown',
        { reason: ctx.trigger, profile: ctx.profile, deadlineMs: Math.max(50, ctx.deadlineMs - REPLY_MARGIN_MS) },
        ctx.deadlineMs - OWN_WAIT_MARGIN_MS,
      )
      .catch((error: unknown) => {
        // Signalled together with us (process group), the engine may have stopped first.
        if (engine.stoppedOnItsOwn) return engine.stoppedOnItsOwn;
        throw error;
      });
    ctx.report.engine = report;
    const open = report.resources.filter((r) => r.outcome !== 'closed');
    if (open.length > 0) {
      throw new Error(`not closed: ${open.map((r) => `${r.label} (${r.outcome})`).join(', ')}`);
    }
    return `${report.resources.length} resources closed in ${report.ms} ms`;
  });

  coordinator.join('engine-exit', 'engine', async (ctx) => {
    if (!engine.pid) return { skipped: 'the engine was not running' };
    if (!(await engine.waitForExit(ctx.deadlineMs - OWN_WAIT_MARGIN_MS, ctx.signal))) throw new Error('the engine is still running');
    return describeExit(engine);
  });

  coordinator.join('engine-terminate', 'engine', (ctx) => escalate(engine, 'SIGTERM', ctx.deadlineMs, ctx.signal));
  coordinator.join('engine-kill', 'engine', (ctx) => escalate(engine, 'SIGKILL', ctx.deadlineMs, ctx.signal));

  coordinator.join('verify-processes', 'engine process tree', async (ctx) => {
    if (!table.supported) return { skipped: 'no process table on this platform' };
    if (snapshot.length === 0 && engine.pid) snapshot = [{ pid: engine.pid, ppid: process.pid, state: '?', startTime: '' }];
    const present = (): ProcessInfo[] =>
      snapshot.filter((p) => (p.startTime ? isSameProcessPresent(table, p) : table.get(p.pid) !== undefined));
    const killed = new Set<number>();
    const endAt = performance.now() + ctx.deadlineMs - POLL_MS;
    let left = present();
    while (left.length > 0 && performance.now() < endAt && !ctx.signal.aborted) {
      for (const p of left) {
        // A zombie only needs reaping by its parent; signalling it does nothing.
        if (table.get(p.pid)?.state !== 'Z' && !killed.has(p.pid)) {
          killed.add(p.pid);
          try {
            process.kill(p.pid, 'SIGKILL');
          } catch {
            // Exited in the meantime.
          }
        }
      }
      await delay(POLL_MS);
      left = present();
    }
    ctx.report.leftovers = left.map((p) => ({ pid: p.pid, state: table.get(p.pid)?.state ?? '?', killed: killed.has(p.pid) }));
    if (left.length > 0) throw new Error(`still present: ${left.map((p) => p.pid).join(', ')}`);
    pidFile.clear();
    const orphans = [...killed].filter((pid) => pid !== engine.pid);
    return orphans.length > 0
      ? `${snapshot.length} processes gone; killed leftovers ${orphans.join(', ')}`
      : `${snapshot.length} processes gone`;
  });
}

function engineTree(table: ProcessTable, enginePid: number): ProcessInfo[] {
  const self = table.get(enginePid);
  return self ? [self, ...descendantsOf(table, enginePid)] : [];
}

async function escalate(
  engine: EngineSupervisor,
  signal: 'SIGTERM' | 'SIGKILL',
  deadlineMs: number,
  abort: AbortSignal,
): Promise<string | { skipped: string }> {
  if (!engine.pid || engine.exited) return { skipped: 'the engine had already exited' };
  engine.kill(signal);
  if (!(await engine.waitForExit(deadlineMs - OWN_WAIT_MARGIN_MS, abort))) throw new Error(`the engine survived ${signal}`);
  return `${signal} sent; ${describeExit(engine)}`;
}

function describeExit(engine: EngineSupervisor): string {
  const exit = engine.exited;
  if (!exit) return 'exit not observed';
  return exit.signal ? `exited on ${exit.signal}` : `exited with code ${exit.code}`;
}
