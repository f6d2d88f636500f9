/**
 * Lab pieces for the PTP tests: ptp4l grandmasters/slaves with configs in a temp dir, and
 * the clock child (fixtures/clock-child.ts) run inside a namespace, its JSON lines collected
 * with the time each arrived here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { LabHost } from '../../helpers/netns-lab';
import { ROOT } from '../../helpers/airtight-process';

const CHILD = join(__dirname, 'fixtures', 'clock-child.ts');

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'airtight-ptp-'));
}

/** Collects lines of a process' stdout with their arrival time (performance.now()). */
export class LineLog<T = string> {
  readonly lines: { at: number; value: T }[] = [];
  private waiters: (() => void)[] = [];

  constructor(child: ChildProcess, parse: (line: string) => T | null) {
    let rest = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      rest += chunk;
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        const value = parse(line);
        if (value !== null) this.lines.push({ at: performance.now(), value });
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The first line matching, waiting up to timeoutMs; rejects with the log tail on timeout. */
  async waitFor(match: (value: T) => boolean, timeoutMs: number, what: string): Promise<{ at: number; value: T }> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => match(l.value));
      if (found) return found;
      const left = until - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; last lines:\n${this.lines.slice(-8).map((l) => JSON.stringify(l.value)).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export interface Ptp4lOptions {
  role: 'master' | 'slave';
  priority1?: number;
  /** For slaves: the management socket path. */
  udsAddress?: string;
}

/**
 * ptp4l with software timestamping. Masters: the reference lab config (masterOnly). Slaves:
 * slaveOnly and free_running, so the shared kernel clock is never steered by a test.
 */
export function startPtp4l(host: LabHost, dir: string, name: string, options: Ptp4lOptions): { child: ChildProcess; log: LineLog } {
  const lines = [
    '[global]',
    'domainNumber 0',
    'logSyncInterval -3',
    'logAnnounceInterval 1',
    'logMinDelayReqInterval 0',
    'announceReceiptTimeout 3',
    'network_transport UDPv4',
    'delay_mechanism E2E',
    'time_stamping software',
    `uds_address ${options.udsAddress ?? join(dir, `${name}.uds`)}`,
    ...(options.role === 'master' ? ['masterOnly 1', `priority1 ${options.priority1 ?? 100}`] : ['slaveOnly 1', 'free_running 1']),
  ];
  const config = join(dir, `${name}.cfg`);
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child = host.spawn('ptp4l', ['-f', config, '-i', host.iface, '-m']);
  const log = new LineLog(child, (line) => line);
  // Config errors go to stderr: keep them in the same log so a timeout shows why.
  child.stderr?.setEncoding('utf8').on('data', (d: string) => log.lines.push({ at: performance.now(), value: `stderr: ${d.trim()}` }));
  return { child, log };
}

/** "selected local clock 32ff53.fffe.a11692 as best master" -> 32-FF-53-FF-FE-A1-16-92 */
export async function grandmasterRole(log: LineLog, timeoutMs: number): Promise<{ at: number; id: string }> {
  const role = await log.waitFor((l) => l.includes('assuming the grand master role'), timeoutMs, 'ptp4l to become grandmaster');
  const selected = [...log.lines].reverse().find((l) => l.value.includes('selected local clock'));
  const raw = /selected local clock ([0-9a-f.]+)/.exec(selected?.value ?? '')?.[1] ?? '';
  const hex = raw.replace(/\./g, '');
  return { at: role.at, id: (hex.match(/../g) ?? []).join('-').toUpperCase() };
}

export type ChildLine =
  | { type: 'started'; mode: string; requested: string; warning: { code: string; message: string; detail?: string } | null; description: string; heldPorts: { port: number }[] }
  | { type: 'state'; state: string; reason: string; atMs: number }
  | { type: 'grandmaster'; id: string | null; previous: string | null; atMs: number }
  | { type: 'warning'; error: { code: string; message: string } }
  | { type: 'sample'; atMs: number; state: string; gm: string | null; ptpMinusRealtimeNs: number }
  | { type: 'snapshot'; snapshot: Record<string, unknown> | null }
  | { type: 'stopped'; ports: { port: number }[] };

export interface ClockChild {
  child: ChildProcess;
  log: LineLog<ChildLine>;
  stop(): Promise<{ at: number; value: ChildLine }>;
}

export function startClockChild(host: LabHost, options: Record<string, unknown>, prefix: string[] = []): ClockChild {
  const command = prefix[0] ?? process.execPath;
  const args = [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), '--import', 'tsx', CHILD, JSON.stringify({ seconds: 90, ...options })];
  const child = host.spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const log = new LineLog<ChildLine>(child, (line) => {
    try {
      return JSON.parse(line) as ChildLine;
    } catch {
      return null;
    }
  });
  return {
    child,
    log,
    stop: async () => {
      child.stdin?.write('stop\n');
      return log.waitFor((l) => l.type === 'stopped', 10_000, 'the clock child to stop');
    },
  };
}

export function samples(log: LineLog<ChildLine>, fromAt: number): Extract<ChildLine, { type: 'sample' }>[] {
  return log.lines.filter((l) => l.at >= fromAt && l.value.type === 'sample').map((l) => l.value as Extract<ChildLine, { type: 'sample' }>);
}
