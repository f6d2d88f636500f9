/**
 * Starts the built Airtight in headless mode as a real process, the way an operator would,
 * and gives tests what they need to check on it: its output, its engine pid, its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemProcessTable, descendantsOf, type ProcessInfo } from '../../main/shared/process-table';
import type { DiagnosticsOpen, EngineFault } from '../../main/protocol/engine-protocol';
import { ShutdownReportSchema, type ShutdownReport } from '../../main/protocol/shutdown-report';

export const ROOT = join(__dirname, '..', '..');
export const LAUNCH = join(ROOT, 'out', 'main', 'launch.js');
export const table = systemProcessTable();

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() in the test process when the exit was observed. */
  at: number;
}

export interface RunningAirtight {
  child: ChildProcess;
  pid: number;
  dataDir: string;
  enginePid: number;
  output(): string;
  waitForOutput(pattern: RegExp, ms?: number): Promise<string>;
  exited: Promise<ExitInfo>;
}

export interface StartOptions {
  dataDir?: string;
  args?: string[];
  open?: DiagnosticsOpen;
  fault?: EngineFault;
  env?: NodeJS.ProcessEnv;
  ownProcessGroup?: boolean;
  /** Run inside this network namespace (`ip netns exec`, which execs: the pid is Airtight's). */
  netns?: string;
}

export function tempDataDir(prefix = 'airtight-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `ownProcessGroup`: the host leads its own process group, as under a service manager. */
export function runLaunch(args: string[], env: NodeJS.ProcessEnv = {}, ownProcessGroup = false, netns?: string): ChildProcess {
  const command = netns ? ['ip', 'netns', 'exec', netns, process.execPath] : [process.execPath];
  return spawn(command[0]!, [...command.slice(1), LAUNCH, ...args], {
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownProcessGroup,
  });
}

export async function startAirtight(options: StartOptions = {}): Promise<RunningAirtight> {
  const dataDir = options.dataDir ?? tempDataDir();
  const env: NodeJS.ProcessEnv = { AIRTIGHT_ENGINE_DIAGNOSTICS: '1', ...options.env };
  if (options.open) env.AIRTIGHT_DIAGNOSTICS_OPEN = JSON.stringify(options.open);
  if (options.fault) env.AIRTIGHT_DIAGNOSTICS_FAULT = options.fault;
  const child = runLaunch(['--headless', '--data-dir', dataDir, ...(options.args ?? [])], env, options.ownProcessGroup, options.netns);
  let text = '';
  const waiters: (() => void)[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      waiters.splice(0).forEach((wake) => wake());
    });
  }
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const waitForOutput = (pattern: RegExp, ms = 15_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`)), ms);
      const check = (): void => {
        const match = pattern.exec(text);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        } else waiters.push(check);
      };
      void exited.then(() => waiters.push(() => undefined));
      check();
    });
  await waitForOutput(/Headless mode: press Ctrl-C/);
  const record = JSON.parse(readFileSync(join(dataDir, 'engine.pid'), 'utf8')) as { enginePid: number };
  return { child, pid: child.pid!, dataDir, enginePid: record.enginePid, output: () => text, waitForOutput, exited };
}

/** The process and everything below it, zombies included. */
export function treeOf(pid: number): ProcessInfo[] {
  const self = table.get(pid);
  return self ? [self, ...descendantsOf(table, pid)] : [];
}

export function isPresent(pid: number): boolean {
  return table.get(pid) !== undefined;
}

export async function waitUntil(check: () => boolean, ms: number, stepMs = 10): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

export function lastReport(dataDir: string): ShutdownReport {
  const lines = readFileSync(join(dataDir, 'shutdown-reports.jsonl'), 'utf8').trim().split('\n');
  return ShutdownReportSchema.parse(JSON.parse(lines[lines.length - 1]!));
}

/** Socket inodes held by a process (from /proc/<pid>/fd). */
export function socketInodes(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((link) => link.startsWith('socket:'));
  } catch {
    return [];
  }
}
