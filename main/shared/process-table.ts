import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * A read-only view of the OS process table, used to prove that nothing we started is left.
 * A zombie still occupies its pid until reaped, so it counts as present.
 */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Single-letter state as in ps/proc: R, S, D, Z, T ... */
  state: string;
  /** Opaque start marker; a different value for the same pid means the pid was reused. */
  startTime: string;
}

export interface ProcessTable {
  /** Undefined when no process has this pid. */
  get(pid: number): ProcessInfo | undefined;
  list(): ProcessInfo[];
  /** True when this table can actually see processes on this platform. */
  readonly supported: boolean;
}

function parseProcStat(text: string): ProcessInfo | undefined {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  if (close < 0 || !Number.isFinite(pid)) return undefined;
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0] ?? '?';
  const ppid = Number(rest[1]);
  const startTime = rest[19] ?? '';
  return { pid, ppid, state, startTime };
}

class ProcTable implements ProcessTable {
  readonly supported = true;
  get(pid: number): ProcessInfo | undefined {
    try {
      return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return undefined;
    }
  }
  list(): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = this.get(Number(name));
      if (info) out.push(info);
    }
    return out;
  }
}

/** macOS and other Unixes without /proc: ps gives the same fields. */
class PsTable implements ProcessTable {
  readonly supported = true;
  list(): ProcessInfo[] {
    const text = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,lstart='], { encoding: 'utf8', timeout: 2000 });
    return text
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols.length >= 4)
      .map((cols) => ({
        pid: Number(cols[0]),
        ppid: Number(cols[1]),
        state: (cols[2] ?? '?').charAt(0),
        startTime: cols.slice(3).join(' '),
      }));
  }
  get(pid: number): ProcessInfo | undefined {
    return this.list().find((p) => p.pid === pid);
  }
}

/** Windows: no cheap, dependable table; callers report the check as "not verified". */
class UnsupportedTable implements ProcessTable {
  readonly supported = false;
  get(): ProcessInfo | undefined {
    return undefined;
  }
  list(): ProcessInfo[] {
    return [];
  }
}

export function systemProcessTable(platform: NodeJS.Platform = process.platform): ProcessTable {
  if (platform === 'linux') return new ProcTable();
  if (platform === 'win32') return new UnsupportedTable();
  return new PsTable();
}

/** All descendants of `rootPid` (not the root itself), breadth first. */
export function descendantsOf(table: ProcessTable, rootPid: number): ProcessInfo[] {
  const all = table.list();
  const byParent = new Map<number, ProcessInfo[]>();
  for (const p of all) {
    const siblings = byParent.get(p.ppid) ?? [];
    siblings.push(p);
    byParent.set(p.ppid, siblings);
  }
  const out: ProcessInfo[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const child of byParent.get(parent) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Still there (running or a zombie) and not a different process that reused the pid. */
export function isSameProcessPresent(table: ProcessTable, proc: Pick<ProcessInfo, 'pid' | 'startTime'>): boolean {
  const now = table.get(proc.pid);
  return now !== undefined && now.startTime === proc.startTime;
}
