/**
 * The engine as an Electron utilityProcess, behind the same EngineProcess interface the
 * supervisor uses for child_process.fork. Works around known utilityProcess quirks:
 * kill() right after fork() does nothing (#44009), 'exit' has fired twice (#44012), and a
 * killed process reports code 0 (the supervisor keeps its own "we killed it" record).
 */
import type { EngineExit, EngineLauncher, EngineProcess } from '../engine-host/engine-process';
import { forwardLines } from '../engine-host/output-lines';

export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface UtilityForker {
  fork(modulePath: string, args: string[], options: { serviceName: string; stdio: 'pipe'; env: NodeJS.ProcessEnv }): UtilityProcessLike;
}

export function utilityEngineLauncher(utilityProcess: UtilityForker): EngineLauncher {
  return async ({ entry, env }) => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Airtight Engine', stdio: 'pipe', env });
    let exitInfo: EngineExit | undefined;
    const exitHandlers: ((exit: EngineExit) => void)[] = [];
    // Listen for 'exit' before waiting for 'spawn': a process that fails to start emits
    // 'exit' and never 'spawn', and waiting for 'spawn' alone would hang the start for ever.
    child.on('exit', (code) => {
      if (exitInfo) return;
      exitInfo = { code, signal: null };
      for (const handler of exitHandlers.splice(0)) handler(exitInfo);
    });
    const spawned = await new Promise<boolean>((resolve) => {
      child.on('spawn', () => resolve(true));
      child.on('exit', () => resolve(false));
    });
    if (!spawned) throw new Error(`The engine process did not start (exit code ${String(exitInfo?.code)})`);
    const pid = child.pid!;
    const proc: EngineProcess = {
      pid,
      postMessage: (message) => {
        // Posting to a dead utility process has crashed main (#53923).
        if (!exitInfo) child.postMessage(message);
      },
      onMessage: (handler) => child.on('message', handler),
      onExit: (handler) => (exitInfo ? handler(exitInfo) : exitHandlers.push(handler)),
      kill: (signal) => {
        if (exitInfo) return false;
        if (signal === 'SIGTERM') return child.kill();
        try {
          process.kill(pid, 'SIGKILL');
          return true;
        } catch {
          return false;
        }
      },
      onOutput: (handler) => forwardLines(child, handler),
    };
    return proc;
  };
}
