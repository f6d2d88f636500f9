/**
 * One small interface over the two ways to run the engine: Electron's utilityProcess (in
 * main/app) and Node's child_process.fork (here). The supervisor sees only this.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { forwardLines } from './output-lines';

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EngineProcess {
  readonly pid: number;
  postMessage(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Called exactly once, after the OS has reaped the process. */
  onExit(handler: (exit: EngineExit) => void): void;
  /** Returns false when there was nothing to signal. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean;
  /** Lines the engine wrote to stdout/stderr (PortAudio banners, crash traces). */
  onOutput(handler: (line: string, stream: 'stdout' | 'stderr') => void): void;
}

export interface EngineLaunchOptions {
  entry: string;
  env: NodeJS.ProcessEnv;
  execArgv?: string[];
}

/** Resolves once the process has spawned, so kill() is meaningful right away. */
export type EngineLauncher = (options: EngineLaunchOptions) => Promise<EngineProcess>;

export const forkEngine: EngineLauncher = async ({ entry, env, execArgv = [] }) => {
  const child = fork(entry, [], { env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
  const spawned = once(child, 'spawn');
  const failed = once(child, 'error').then(([error]) => {
    throw error;
  });
  await Promise.race([spawned, failed]);
  const exitHandlers: ((exit: EngineExit) => void)[] = [];
  let exitInfo: EngineExit | undefined;
  child.once('exit', (code, signal) => {
    exitInfo = { code, signal };
    for (const handler of exitHandlers.splice(0)) handler(exitInfo);
  });
  child.on('error', () => undefined); // send() after exit: the exit handler reports it
  return {
    pid: child.pid!,
    postMessage: (message) => {
      if (child.connected) child.send(message as object);
    },
    onMessage: (handler) => child.on('message', handler),
    onExit: (handler) => (exitInfo ? handler(exitInfo) : exitHandlers.push(handler)),
    kill: (signal) => (exitInfo ? false : child.kill(signal)),
    onOutput: (handler) => forwardLines(child, handler),
  };
};
