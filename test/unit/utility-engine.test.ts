/**
 * utilityEngineLauncher against a fake utilityProcess whose child is a real Node process
 * (spawned with `node -e`), so kills, exits, messages and output are real. The fake adds the
 * utilityProcess quirks the launcher must absorb: kill() before 'spawn' does nothing (#44009),
 * a killed process reports code 0, 'exit' may be emitted twice (#44012), and postMessage()
 * to an exited process crashed main (#53923): here it throws.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { utilityEngineLauncher, type UtilityForker, type UtilityProcessLike } from '../../main/app/utility-engine';
import type { EngineExit, EngineProcess } from '../../main/engine-host/engine-process';
import { systemProcessTable } from '../../main/shared/process-table';

const table = systemProcessTable();

/** Stays alive; echoes messages; exits on {exit: code}. */
const ECHO_CHILD = `
process.on('message', (m) => {
  if (m && typeof m === 'object' && 'exit' in m) process.exit(m.exit);
  process.send({ echo: m });
});`;

interface FakeOptions {
  script?: string;
  /** Emit 'exit' twice, as utilityProcess once did (#44012). */
  doubleExit?: boolean;
  /** Never spawn: emit 'exit' with code 1 and no 'spawn'. */
  failToSpawn?: boolean;
  /** Replace the real stdout (to feed exact byte chunks). */
  stdout?: Readable;
}

class FakeUtilityProcess extends EventEmitter implements UtilityProcessLike {
  pid: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly real: ChildProcess | undefined;
  /** How the real process ended, as the OS reported it. */
  readonly realExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly posted: unknown[] = [];
  readonly postedAfterExit: unknown[] = [];
  killCalls = 0;
  exitEmits = 0;
  private spawned = false;
  private exited = false;
  private readonly doubleExit: boolean;

  constructor(env: NodeJS.ProcessEnv, options: FakeOptions) {
    super();
    this.doubleExit = options.doubleExit ?? false;
    if (options.failToSpawn) {
      this.real = undefined;
      this.stdout = null;
      this.stderr = null;
      this.realExit = Promise.resolve({ code: null, signal: null });
      setImmediate(() => this.reportExit(1));
      return;
    }
    const real = spawn(process.execPath, ['-e', options.script ?? ECHO_CHILD], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.real = real;
    this.stdout = options.stdout ?? real.stdout;
    this.stderr = real.stderr;
    this.realExit = new Promise((resolve) => real.once('exit', (code, signal) => resolve({ code, signal })));
    real.once('spawn', () => {
      this.pid = real.pid;
      this.spawned = true;
      this.emit('spawn');
    });
    real.on('message', (message) => this.emit('message', message));
    real.once('exit', (code) => this.reportExit(code ?? 0)); // a killed utility process reports 0
  }

  private reportExit(code: number): void {
    this.exited = true;
    for (let i = 0; i < (this.doubleExit ? 2 : 1); i++) {
      this.exitEmits += 1;
      this.emit('exit', code);
    }
  }

  postMessage(message: unknown): void {
    if (this.exited) {
      this.postedAfterExit.push(message);
      throw new Error('postMessage() to an exited utility process (crashed main, #53923)');
    }
    this.posted.push(message);
    this.real?.send(message as object);
  }

  kill(): boolean {
    this.killCalls += 1;
    if (!this.spawned || this.exited || !this.real) return false;
    return this.real.kill('SIGTERM');
  }
}

const children: FakeUtilityProcess[] = [];

function fakeForker(options: FakeOptions = {}) {
  const fork = vi.fn((_modulePath: string, _args: string[], forkOptions: { serviceName: string; stdio: 'pipe'; env: NodeJS.ProcessEnv }) => {
    const child = new FakeUtilityProcess(forkOptions.env, options);
    children.push(child);
    return child;
  });
  const forker: UtilityForker = { fork };
  return { forker, fork, child: (): FakeUtilityProcess => children.at(-1)! };
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function exitOf(proc: EngineProcess): Promise<EngineExit> {
  return withDeadline(new Promise<EngineExit>((resolve) => proc.onExit(resolve)), 10_000, 'engine exit');
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const child of children.splice(0)) {
    const real = child.real;
    if (!real) continue;
    if (real.exitCode === null && real.signalCode === null) real.kill('SIGKILL');
    await withDeadline(child.realExit, 10_000, `reaping pid ${real.pid}`);
    expect(table.get(real.pid!), `pid ${real.pid} is still in the process table`).toBeUndefined();
  }
});

describe('utilityEngineLauncher', () => {
  it('forks with the service name and env, and resolves once the process has spawned', async () => {
    const { forker, fork, child } = fakeForker({ script: `process.stdout.write(process.env.AIRTIGHT_MARK + '\\n'); setInterval(() => {}, 1000);` });
    const proc = await utilityEngineLauncher(forker)({ entry: '/opt/airtight/engine.js', env: { AIRTIGHT_MARK: 'from-the-host' } });
    expect(fork).toHaveBeenCalledWith('/opt/airtight/engine.js', [], { serviceName: 'Airtight Engine', stdio: 'pipe', env: { AIRTIGHT_MARK: 'from-the-host' } });
    expect(proc.pid).toBe(child().real!.pid);
    expect(table.get(proc.pid)?.state).not.toBe('Z');
    const lines: string[] = [];
    proc.onOutput((line) => lines.push(line));
    await vi.waitFor(() => expect(lines).toEqual(['from-the-host']), { timeout: 10_000, interval: 10 });
  });

  it("kill('SIGTERM') right after the launch resolves goes through utilityProcess.kill() and ends the process", async () => {
    const { forker, child } = fakeForker();
    const proc = await utilityEngineLauncher(forker)({ entry: 'engine.js', env: {} });
    const exit = exitOf(proc);
    expect(proc.kill('SIGTERM')).toBe(true);
    expect(child().killCalls).toBe(1);
    expect(await withDeadline(child().realExit, 10_000, 'real exit')).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await exit).toEqual({ code: 0, signal: null }); // utilityProcess reports a killed process as 0
  });

  it("kill('SIGKILL') goes through process.kill, not utilityProcess.kill(), and kills a process that ignores SIGTERM", async () => {
    const { forker, child } = fakeForker({ script: `process.on('SIGTERM', () => {}); process.send('ready'); setInterval(() => {}, 1000);` });
    const proc = await utilityEngineLauncher(forker)({ entry: 'engine.js', env: {} });
    const ready = withDeadline(new Promise((resolve) => proc.onMessage(resolve)), 10_000, 'child ready');
    expect(await ready).toBe('ready'); // its SIGTERM handler is installed
    const processKill = vi.spyOn(process, 'kill');
    const onExit = vi.fn();
    proc.onExit(onExit);
    expect(proc.kill('SIGKILL')).toBe(true);
    expect(processKill).toHaveBeenCalledWith(proc.pid, 'SIGKILL');
    expect(child().killCalls).toBe(0);
    expect(await withDeadline(child().realExit, 10_000, 'real exit')).toEqual({ code: null, signal: 'SIGKILL' });
    await vi.waitFor(() => expect(onExit).toHaveBeenCalledTimes(1), { timeout: 10_000, interval: 10 });
    expect(proc.kill('SIGKILL')).toBe(false);
    expect(proc.kill('SIGTERM')).toBe(false);
    expect(processKill).toHaveBeenCalledTimes(1);
    expect(child().killCalls).toBe(0);
  });

  it("reports an 'exit' emitted twice only once (#44012), also to handlers added after the exit", async () => {
    const { forker, child } = fakeForker({ doubleExit: true });
    const proc = await utilityEngineLauncher(forker)({ entry: 'engine.js', env: {} });
    const onExit = vi.fn();
    proc.onExit(onExit);
    proc.postMessage({ exit: 3 });
    await withDeadline(child().realExit, 10_000, 'real exit');
    await vi.waitFor(() => expect(child().exitEmits).toBe(2), { timeout: 10_000, interval: 10 });
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(onExit).toHaveBeenCalledWith({ code: 3, signal: null });
    const late = vi.fn();
    proc.onExit(late);
    expect(late).toHaveBeenCalledTimes(1);
    expect(late).toHaveBeenCalledWith({ code: 3, signal: null });
  });

  it('forwards messages both ways while running and drops postMessage after exit, even from an exit handler (#53923)', async () => {
    const { forker, child } = fakeForker();
    const proc = await utilityEngineLauncher(forker)({ entry: 'engine.js', env: {} });
    const received: unknown[] = [];
    proc.onMessage((message) => received.push(message));
    proc.postMessage({ ping: 1 });
    await vi.waitFor(() => expect(received).toEqual([{ echo: { ping: 1 } }]), { timeout: 10_000, interval: 10 });
    proc.onExit(() => proc.postMessage('from the exit handler'));
    const exit = exitOf(proc);
    proc.postMessage({ exit: 0 });
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(() => proc.postMessage('after exit')).not.toThrow();
    expect(child().postedAfterExit).toEqual([]);
    expect(child().posted).toEqual([{ ping: 1 }, { exit: 0 }]);
  });

  it('splits stdout and stderr into non-blank lines, keeping a last line without a newline', async () => {
    const { forker } = fakeForker({
      script: `
process.stdout.write('first li');
setTimeout(() => {
  process.stdout.write('ne\\nsecond\\n\\n   \\nthird');
  process.stderr.write('trace: one\\ntrace: two\\n');
}, 20);`,
    });
    const proc = await utilityEngineLauncher(forker)({ entry: 'engine.js', env: {} });
    const lines: [string, string][] = [];
    proc.onOutput((line, stream) => lines.push([stream, line]));
    await exitOf(proc);
    await vi.waitFor(() => expect(lines).toHaveLength(5), { timeout: 10_000, interval: 10 });
    expect(lines.filter(([s]) => s === 'stdout').map(([, l]) => l)).toEqual(['first line', 'second', 'third']);
    expect(lines.filter(([s]) => s === 'stderr').map(([, l]) => l)).toEqual(['trace: one', 'trace: two']);
  });

  it('keeps a UTF-8 character that arrives split across two chunks', async () => {
    const stdout = new PassThrough();
    const { forker } = fakeForker({ stdout });
    const proc = await utilityEngineLauncher(forker)({ entry: 'engine.js', env: {} });
    const lines: string[] = [];
    proc.onOutput((line) => lines.push(line));
    const e = Buffer.from('Pré-écoute\n', 'utf8');
    const split = e.indexOf(0xc3) + 1; // in the middle of 'é'
    stdout.write(e.subarray(0, split));
    stdout.write(e.subarray(split));
    await vi.waitFor(() => expect(lines).toEqual(['Pré-écoute']), { timeout: 10_000, interval: 10 });
  });

  it("rejects the launch when the process exits without ever spawning, instead of waiting for ever", async () => {
    const { forker } = fakeForker({ failToSpawn: true });
    await expect(withDeadline(utilityEngineLauncher(forker)({ entry: 'missing.js', env: {} }), 5000, 'launch')).rejects.toThrow(
      /did not start \(exit code 1\)/,
    );
  });
});
