/**
 * Remembers how each run ended. `run-state.json` says "running" while a host is up; if the
 * next start still finds "running", the host died without its shutdown. Every shutdown
 * report is appended to `shutdown-reports.jsonl` (the last KEEP_REPORTS kept).
 */
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { ShutdownReportSchema, type ShutdownReport } from '../protocol/shutdown-report';

const KEEP_REPORTS = 50;

const RunStateSchema = z.object({
  state: z.enum(['running', 'clean', 'unclean']),
  hostPid: z.number(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  summary: z.string().optional(),
});
type RunState = z.infer<typeof RunStateSchema>;

export type PreviousRun =
  | { kind: 'first-run' }
  | { kind: 'clean'; endedAt: string }
  | { kind: 'unclean'; endedAt: string; summary: string }
  | { kind: 'crashed'; startedAt: string; hostPid: number };

export class RunHistory {
  constructor(
    private readonly stateFile: string,
    private readonly reportsFile: string,
  ) {}

  /** Reads how the last run ended, then marks this one as running. */
  begin(hostPid = process.pid): PreviousRun {
    const previous = this.readState();
    this.writeState({ state: 'running', hostPid, startedAt: new Date().toISOString() });
    if (!previous) return { kind: 'first-run' };
    if (previous.state === 'running') return { kind: 'crashed', startedAt: previous.startedAt, hostPid: previous.hostPid };
    if (previous.state === 'unclean') {
      return { kind: 'unclean', endedAt: previous.endedAt ?? '?', summary: previous.summary ?? 'no details recorded' };
    }
    return { kind: 'clean', endedAt: previous.endedAt ?? '?' };
  }

  finish(report: ShutdownReport): void {
    const reports = [...this.reports(), report].slice(-KEEP_REPORTS);
    writeFileAtomic.sync(this.reportsFile, reports.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const current = this.readState();
    this.writeState({
      state: report.clean ? 'clean' : 'unclean',
      hostPid: report.hostPid,
      startedAt: current?.startedAt ?? report.startedAt,
      endedAt: new Date().toISOString(),
      summary: summarize(report),
    });
  }

  reports(): ShutdownReport[] {
    let text: string;
    try {
      text = readFileSync(this.reportsFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim())
      .flatMap((line) => {
        try {
          const parsed = ShutdownReportSchema.safeParse(JSON.parse(line));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      });
  }

  private readState(): RunState | undefined {
    try {
      const parsed = RunStateSchema.safeParse(JSON.parse(readFileSync(this.stateFile, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private writeState(state: RunState): void {
    writeFileAtomic.sync(this.stateFile, JSON.stringify(state) + '\n');
  }
}

/** One line for the log and the next start: which steps went wrong and why. */
export function summarize(report: ShutdownReport): string {
  const problems = report.phases.flatMap((phase) =>
    phase.participants
      .filter((p) => p.outcome === 'failed' || p.outcome === 'timed-out')
      .map((p) => `${phase.phase}/${p.name} ${p.outcome}${p.detail ? ` (${p.detail})` : ''}`),
  );
  if (report.leftovers.length > 0) problems.push(`leftover processes: ${report.leftovers.map((l) => l.pid).join(', ')}`);
  const head = `shutdown by ${report.trigger} in ${report.ms} ms`;
  return problems.length === 0 ? `${head}, clean` : `${head}, not clean: ${problems.join('; ')}`;
}

export function describePreviousRun(previous: PreviousRun): { level: 'info' | 'warn'; message: string } | undefined {
  switch (previous.kind) {
    case 'first-run':
      return undefined;
    case 'clean':
      return { level: 'info', message: `The last run ended cleanly at ${previous.endedAt}.` };
    case 'unclean':
      return { level: 'warn', message: `The last shutdown (${previous.endedAt}) was not clean: ${previous.summary}` };
    case 'crashed':
      return {
        level: 'warn',
        message: `The last run (host pid ${previous.hostPid}, started ${previous.startedAt}) ended without a shutdown: it crashed or was killed.`,
      };
  }
}
