/**
 * The engine as an Electron utilityProcess, behind the same EngineProcess interface the
 * supervisor uses for child_process.fork. Works around known utilityProcess quirks:
 * kill() right after fork() does nothing (#44009), 'exit' has fired twice (#44012), and a
 * killed process reports code 0 (the supervisor keeps its own "we killed it" record).
 */
import { once } from 'node:events';
import type { EngineExit, EngineLauncher, EngineProcess } from '../engine-host/engine-process';

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
    await once(child as unknown as NodeJS.EventEmitter, 'spawn');
    const pid = child.pid!;
    let exitInfo: EngineExit | undefined;
    const exitHandlers: ((exit: EngineExit) => void)[] = [];
    child.on('exit', (code) => {
      if (exitInfo) return;
      exitInfo = { code, signal: null };
      for (const handler of exitHandlers.splice(0)) handler(exitInfo);
    });
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
      onOutput: (handler) => {
        for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
          let partial = '';
          stream?.on('data', (chunk: Buffer | string) => {
            const lines = (partial + chunk.toString()).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) if (line.trim()) handler(line, name);
          });
        }
      },
    };
    return proc;
  };
}
