/**
 * Process bookkeeping for benchmarks (Linux /proc). Every process a cycle starts carries an
 * environment tag, so anything it left behind is found even after it was re-parented to init
 * (once the host has exited, its orphans are no longer its descendants).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { systemProcessTable, isSameProcessPresent, type ProcessInfo } from '../../main/shared/process-table';

export const table = systemProcessTable();
export const TAG_VAR = 'AIRTIGHT_BENCH_TAG';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes whose initial environment holds TAG_VAR=tag (zombies have no environ: see `present`). */
export function taggedProcesses(tag: string): ProcessInfo[] {
  const needle = `${TAG_VAR}=${tag}\0`;
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (!(environ + '\0').startsWith(needle) && !(environ + '\0').includes(`\0${needle}`)) continue;
    const info = table.get(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** Of `known` (a snapshot taken while running) and the tagged ones, those still present. */
export function stillPresent(known: ProcessInfo[], tag: string): ProcessInfo[] {
  const byPid = new Map<number, ProcessInfo>();
  for (const p of known) {
    if (isSameProcessPresent(table, p)) byPid.set(p.pid, table.get(p.pid)!);
  }
  for (const p of taggedProcesses(tag)) byPid.set(p.pid, p);
  return [...byPid.values()];
}

export interface Leftover {
  pid: number;
  state: string;
  /** SIGKILL sent by the bench (zombies cannot be signalled; init reaps them). */
  killed: boolean;
  /** Still present when the bench stopped waiting for it. */
  survived: boolean;
}

/** SIGKILL each leftover by pid, then wait (bounded) until they are gone or reaped. */
export async function killLeftovers(left: ProcessInfo[], waitMs = 3000): Promise<Leftover[]> {
  const result: Leftover[] = left.map((p) => ({ pid: p.pid, state: p.state, killed: false, survived: true }));
  for (const entry of result) {
    if (entry.state === 'Z') continue;
    try {
      process.kill(entry.pid, 'SIGKILL');
      entry.killed = true;
    } catch {
      // Gone in the meantime.
    }
  }
  const end = performance.now() + waitMs;
  const gone = (): boolean =>
    left.every((p) => {
      const gone = !isSameProcessPresent(table, p);
      if (gone) result.find((r) => r.pid === p.pid)!.survived = false;
      return gone;
    });
  while (!gone() && performance.now() < end) await sleep(20);
  return result;
}

/** True once something listens on 127.0.0.1:port or 0.0.0.0:port (read from /proc/net/tcp, no connection made). */
export function isListening(port: number): boolean {
  let text: string;
  try {
    text = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return false;
  }
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return text
    .split('\n')
    .slice(1)
    .some((line) => {
      const cols = line.trim().split(/\s+/);
      return cols[1]?.endsWith(`:${hex}`) === true && cols[3] === '0A';
    });
}

/** Waits for `check` to hold, polling; false when `ms` ran out. */
export async function waitFor(check: () => boolean, ms: number, stepMs = 10): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}

/** Resolves with the promise's value, or `onTimeout` after `ms`. */
export function within<T, U>(promise: Promise<T>, ms: number, onTimeout: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<U>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Opens a TCP connection and writes `bytes`; resolves once written (or on error, with the error). */
export function sendTcp(port: number, bytes: Buffer): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => {
      socket.write(bytes, () => resolve(undefined));
    });
    socket.on('error', (error) => resolve(error));
    socket.on('data', () => undefined);
    socket.setTimeout(5000, () => socket.destroy());
  });
}
