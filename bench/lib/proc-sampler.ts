/**
 * CPU and memory of a process tree, sampled from Linux /proc once a second.
 *
 * CPU = utime+stime of /proc/<pid>/stat (all threads of the process, live and exited) for the
 * root and every descendant, in clock ticks (10 ms). Reaped children's time (cutime/cstime) is
 * left out: a child is measured while it lives, as a member of the tree. Memory = VmRSS summed
 * over the tree (shared pages of two node processes count twice, as `ps` would) and PSS from
 * smaps_rollup (shared pages split between their users: the fairer sum).
 * Per-thread figures come from /proc/<pid>/task/<tid>/stat, so a report can say where the time
 * goes (main thread, worker threads, a helper process).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { descendantsOf } from '../../main/shared/process-table';
import { table } from './procs';

export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface StatFields {
  comm: string;
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
  /** Start time, clock ticks after boot: tells a reused pid/tid apart. */
  start: number;
}

function readStat(path: string): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const rest = text.slice(close + 2).split(' ');
  return { comm: text.slice(open + 1, close), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]), start: Number(rest[19]) };
}

function readKb(path: string, key: string): number | undefined {
  try {
    const match = readFileSync(path, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface ThreadInfo {
  pid: number;
  tid: number;
  /** The thread's name (comm): "node" for most Node threads, set by the program for some. */
  name: string;
  processName: string;
  /** The label of the first scan that saw this thread (see `noteNewThreads`). */
  firstSeen: string;
  /** When the thread started, after its process started (10 ms resolution). */
  bornAfterProcessMs: number;
  /** CPU ticks used inside the measurement window. */
  windowTicks: number;
}

export interface TreeSample {
  /** Seconds since the window began. */
  at: number;
  /** CPU of the whole tree in the last interval, % of one core. */
  cpuPercent: number;
  rssKb: number;
  pssKb: number;
  pids: number[];
}

export interface TreeMeasurement {
  seconds: number;
  samples: TreeSample[];
  /** Whole-window CPU of the tree, % of one core. */
  cpuPercent: number;
  /** Per process (pid, name, CPU % of one core over the window). */
  processes: { pid: number; name: string; cmdline: string; cpuPercent: number; rssKbMedian: number | null; pssKbMedian: number | null }[];
  threads: (ThreadInfo & { cpuPercent: number })[];
  /** Processes that ended inside the window: the CPU they used after their last sample is lost. */
  ended: number[];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1]!;
}

/** A pid/tid plus its start time: one identity across samples even if the number is reused. */
const key = (id: number, start: number): string => `${id}@${start}`;

export class TreeSampler {
  /** Threads seen so far, by key, with the label of the scan that first saw them. */
  private readonly threadPhase = new Map<string, string>();

  constructor(readonly rootPid: number) {}

  /** The pids of the tree now (root first). */
  pids(): number[] {
    return [this.rootPid, ...descendantsOf(table, this.rootPid).map((p) => p.pid)].filter((pid) => table.get(pid) !== undefined);
  }

  /**
   * Labels the threads not seen before (e.g. "after audio.configure"): most Node threads are
   * all named "node", so when a thread appeared is what tells a worker from the runtime's own.
   */
  noteNewThreads(label: string): void {
    this.scanThreads(label);
  }

  private scanThreads(label: string): Map<string, ThreadInfo> {
    const found = new Map<string, ThreadInfo>();
    for (const pid of this.pids()) {
      const processStat = readStat(`/proc/${pid}/stat`);
      if (!processStat) continue;
      let tids: string[];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const t of tids) {
        const stat = readStat(`/proc/${pid}/task/${t}/stat`);
        if (!stat) continue;
        const k = key(Number(t), stat.start);
        if (!this.threadPhase.has(k)) this.threadPhase.set(k, label);
        found.set(k, {
          pid,
          tid: Number(t),
          name: stat.comm,
          processName: processStat.comm,
          firstSeen: this.threadPhase.get(k)!,
          bornAfterProcessMs: Math.round(((stat.start - processStat.start) / CLOCK_TICKS) * 1000),
          windowTicks: stat.ticks,
        });
      }
    }
    return found;
  }

  /** Samples every `intervalMs` for `seconds`; `onTick` may read other counters at each sample. */
  async measure(seconds: number, intervalMs = 1000, onTick?: (at: number) => void): Promise<TreeMeasurement> {
    const processTicks = (): Map<string, { pid: number; name: string; ticks: number }> => {
      const out = new Map<string, { pid: number; name: string; ticks: number }>();
      for (const pid of this.pids()) {
        const stat = readStat(`/proc/${pid}/stat`);
        if (stat) out.set(key(pid, stat.start), { pid, name: stat.comm, ticks: stat.ticks });
      }
      return out;
    };
    const firstProcs = processTicks();
    const firstThreads = this.scanThreads('in the window');
    const began = performance.now();
    let previous = firstProcs;
    const samples: TreeSample[] = [];
    const ended = new Set<number>();
    const seen = new Map(firstProcs);
    const memory = new Map<string, { rss: number[]; pss: number[] }>();
    for (let i = 1; i <= Math.round((seconds * 1000) / intervalMs); i++) {
      const due = began + i * intervalMs;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const prevAt = samples.length > 0 ? samples[samples.length - 1]!.at : 0;
      const now = processTicks();
      const at = (performance.now() - began) / 1000;
      let delta = 0;
      for (const [k, p] of now) {
        // A process born inside the interval counts from zero.
        delta += p.ticks - (previous.get(k)?.ticks ?? 0);
        seen.set(k, p);
      }
      for (const [k, p] of previous) if (!now.has(k)) ended.add(p.pid);
      let rssKb = 0;
      let pssKb = 0;
      for (const [k, p] of now) {
        const rss = readKb(`/proc/${p.pid}/status`, 'VmRSS') ?? 0;
        const pss = readKb(`/proc/${p.pid}/smaps_rollup`, 'Pss') ?? 0;
        rssKb += rss;
        pssKb += pss;
        const mem = memory.get(k) ?? { rss: [], pss: [] };
        mem.rss.push(rss);
        mem.pss.push(pss);
        memory.set(k, mem);
      }
      samples.push({ at, cpuPercent: ((delta / CLOCK_TICKS) / (at - prevAt)) * 100, rssKb, pssKb, pids: [...now.values()].map((p) => p.pid) });
      previous = now;
      onTick?.(at);
    }
    const lastThreads = this.scanThreads('in the window');
    const windowSeconds = samples.length > 0 ? samples[samples.length - 1]!.at : 0;
    const pct = (ticks: number): number => (windowSeconds > 0 ? ((ticks / CLOCK_TICKS) / windowSeconds) * 100 : 0);
    const processes = [...seen.entries()].map(([k, p]) => {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        // ended
      }
      const mem = memory.get(k);
      return {
        pid: p.pid,
        name: p.name,
        cmdline,
        cpuPercent: pct(p.ticks - (firstProcs.get(k)?.ticks ?? 0)),
        rssKbMedian: mem ? median(mem.rss) : null,
        pssKbMedian: mem ? median(mem.pss) : null,
      };
    });
    const threads = [...lastThreads.entries()].map(([k, t]) => {
      const windowTicks = t.windowTicks - (firstThreads.get(k)?.windowTicks ?? 0);
      return { ...t, windowTicks, cpuPercent: pct(windowTicks) };
    });
    const cpuPercent = processes.reduce((sum, p) => sum + p.cpuPercent, 0);
    return { seconds: windowSeconds, samples, cpuPercent, processes, threads, ended: [...ended] };
  }
}

/** Busy share of the whole machine (all cores) between two readings of /proc/stat, in %. */
export function machineBusy(): () => number {
  const read = (): { busy: number; total: number } => {
    const cols = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cols.reduce((a, b) => a + b, 0);
    const idle = (cols[3] ?? 0) + (cols[4] ?? 0);
    return { busy: total - idle, total };
  };
  const first = read();
  return () => {
    const now = read();
    return now.total > first.total ? ((now.busy - first.busy) / (now.total - first.total)) * 100 : 0;
  };
}

/** CPU ticks of one process (its own threads, not its children), or undefined when gone. */
export function processTicks(pid: number): number | undefined {
  return readStat(`/proc/${pid}/stat`)?.ticks;
}
