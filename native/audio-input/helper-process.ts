/**
 * Starts the capture helper (capture-helper.ts) and ends it within a deadline.
 * The helper is a Node process: the built `audio-input-helper.js` beside the engine bundle
 * when it exists, else the TypeScript source run through tsx (development and tests).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HelperReply, HelperRequest } from './helper-protocol';

export interface HelperCommand {
  entry: string;
  execArgv: string[];
}

export function defaultHelperCommand(): HelperCommand | null {
  // Bundled, this code may sit in a shared chunk one folder below the entry files.
  for (const dir of [__dirname, join(__dirname, '..')]) {
    const built = join(dir, 'audio-input-helper.js');
    if (existsSync(built)) return { entry: built, execArgv: [] };
  }
  const source = join(__dirname, 'capture-helper.ts');
  if (!existsSync(source)) return null;
  // tsx resolved from here, not from the working directory (the engine's may be anywhere).
  try {
    return { entry: source, execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href] };
  } catch {
    return null;
  }
}

export interface HelperHandlers {
  onReply(reply: HelperReply): void;
  /** A line the helper printed (PortAudio banners, ALSA complaints). */
  onLog(line: string): void;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

export class HelperProcess {
  private readonly child: ChildProcess;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(command: HelperCommand, env: NodeJS.ProcessEnv, request: HelperRequest, handlers: HelperHandlers) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    // Inside Electron, execPath is the Electron binary: make it behave as Node.
    if (process.versions.electron) childEnv.ELECTRON_RUN_AS_NODE = '1';
    this.child = fork(command.entry, [], {
      env: childEnv,
      execArgv: command.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.exit = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        handlers.onExit(code, signal);
        resolve();
      });
    });
    this.child.on('error', () => {
      /* a failed spawn also emits exit; a failed send is handled where it is made */
    });
    this.child.on('message', (reply: HelperReply) => handlers.onReply(reply));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) handlers.onLog(line);
      });
    }
    this.child.send(request, (error) => {
      if (error) this.kill();
    });
  }

  /** A request to the running helper; lost (harmlessly) when it is already gone. */
  send(request: HelperRequest): void {
    if (this.child.connected) this.child.send(request, () => {});
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /**
   * Asks the helper to close its stream; after `deadlineMs` without an exit it is SIGKILLed.
   * Resolves once the process is gone (a SIGKILL is immediate even while PortAudio blocks).
   */
  async end(deadlineMs: number): Promise<{ graceful: boolean }> {
    if (this.exited) return { graceful: true };
    if (this.child.connected) {
      this.child.send({ type: 'close' } satisfies HelperRequest, () => {});
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exit.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    if (!timedOut) return { graceful: true };
    this.kill();
    await this.exit;
    return { graceful: false };
  }

  kill(): void {
    if (this.exited) return;
    try {
      this.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
