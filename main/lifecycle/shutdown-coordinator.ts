/**
 * One ordered, bounded shutdown for every way of quitting. Services join a phase with a
 * named participant (VS Code's lifecycle "join", with a deadline each). The sequence runs
 * once: later triggers get the same promise. A participant that fails or misses its deadline
 * is recorded and the sequence goes on, so the app always gets to exit.
 */
import type { ShutdownProfile } from '../protocol/engine-protocol';
import {
  SHUTDOWN_PHASES,
  type ParticipantResult,
  type PhaseResult,
  type ShutdownPhase,
  type ShutdownProgress,
  type ShutdownReport,
  type ShutdownTrigger,
  type StepOutcome,
} from '../protocol/shutdown-report';
import { withDeadline } from '../shared/deadline';
import { ESSENTIAL_MIN_MS, ESSENTIAL_PHASES, SHUTDOWN_PROFILES, profileFor, type ProfileDeadlines } from './shutdown-profiles';

const MIN_USEFUL_MS = 5;

export interface ShutdownContext {
  readonly trigger: ShutdownTrigger;
  readonly profile: ShutdownProfile;
  /** This participant's deadline in ms from when it started. */
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  /** Report fields a participant fills in (the engine's own report, leftover processes). */
  readonly report: Pick<ShutdownReport, 'leftovers'> & { engine?: ShutdownReport['engine'] };
}

/** Return a string to note in the report, or `{ skipped }` when there was nothing to do. */
export type ParticipantResultValue = string | void | { skipped: string };
export type Participant = (ctx: ShutdownContext) => Promise<ParticipantResultValue> | ParticipantResultValue;

export interface CoordinatorOptions {
  hostPid?: number;
  profiles?: Record<ShutdownProfile, ProfileDeadlines>;
  now?: () => number;
}

export class ShutdownCoordinator {
  private readonly participants = new Map<ShutdownPhase, { name: string; run: Participant }[]>();
  private readonly progressListeners: ((progress: ShutdownProgress) => void)[] = [];
  private running: Promise<ShutdownReport> | undefined;
  private firstTrigger: ShutdownTrigger | undefined;
  private currentPhase: ShutdownPhase | undefined;

  constructor(private readonly options: CoordinatorOptions = {}) {}

  join(phase: ShutdownPhase, name: string, run: Participant): void {
    const list = this.participants.get(phase) ?? [];
    list.push({ name, run });
    this.participants.set(phase, list);
  }

  onProgress(listener: (progress: ShutdownProgress) => void): void {
    this.progressListeners.push(listener);
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  /** Where a running shutdown is, for "already quitting" messages. */
  get status(): { trigger: ShutdownTrigger; phase: ShutdownPhase | undefined } | undefined {
    return this.firstTrigger ? { trigger: this.firstTrigger, phase: this.currentPhase } : undefined;
  }

  /** Starts the shutdown, or returns the one already running. Never rejects. */
  run(trigger: ShutdownTrigger, profile: ShutdownProfile = profileFor(trigger)): Promise<ShutdownReport> {
    if (!this.running) {
      this.firstTrigger = trigger;
      this.running = this.sequence(trigger, profile);
    }
    return this.running;
  }

  private async sequence(trigger: ShutdownTrigger, profile: ShutdownProfile): Promise<ShutdownReport> {
    const deadlines = (this.options.profiles ?? SHUTDOWN_PROFILES)[profile];
    const now = this.options.now ?? (() => performance.now());
    const t0 = now();
    const totalEnd = t0 + deadlines.totalMs;
    const startedAt = new Date().toISOString();
    const partial: ShutdownContext['report'] = { leftovers: [] };
    const phases: PhaseResult[] = [];

    for (const phase of SHUTDOWN_PHASES) {
      this.currentPhase = phase;
      const remaining = totalEnd - now();
      const essential = ESSENTIAL_PHASES.has(phase);
      // A few milliseconds are no use to anyone: treat them as none.
      const usable = remaining < MIN_USEFUL_MS ? 0 : remaining;
      const deadlineMs = Math.max(Math.min(deadlines.phases[phase], usable), essential ? ESSENTIAL_MIN_MS : 0);
      this.emit({ trigger, phase, state: 'started' });
      const result =
        deadlineMs <= 0
          ? skippedPhase(phase, 'total shutdown deadline reached', deadlines.phases[phase])
          : await this.runPhase(phase, deadlineMs, { trigger, profile, report: partial });
      phases.push(result);
      this.emit({ trigger, phase, state: 'finished', outcome: result.outcome });
    }
    this.currentPhase = undefined;

    const clean =
      phases.every((p) => p.outcome === 'ok' || p.outcome === 'skipped') &&
      partial.leftovers.length === 0 &&
      (partial.engine?.clean ?? true);
    return {
      trigger,
      profile,
      hostPid: this.options.hostPid ?? process.pid,
      startedAt,
      ms: Math.round(now() - t0),
      clean,
      phases,
      ...(partial.engine ? { engine: partial.engine } : {}),
      leftovers: partial.leftovers,
    };
  }

  private async runPhase(
    phase: ShutdownPhase,
    deadlineMs: number,
    base: Omit<ShutdownContext, 'deadlineMs' | 'signal'>,
  ): Promise<PhaseResult> {
    const started = performance.now();
    const participants = this.participants.get(phase) ?? [];
    const results = await Promise.all(
      participants.map(async ({ name, run }): Promise<ParticipantResult> => {
        const outcome = await withDeadline(deadlineMs, async (signal) => run({ ...base, deadlineMs, signal }));
        const ms = Math.round(outcome.ms);
        if (outcome.status === 'timed-out') {
          return { name, outcome: 'timed-out', ms, detail: `missed its ${Math.round(deadlineMs)} ms deadline` };
        }
        if (outcome.status === 'failed') {
          return { name, outcome: 'failed', ms, detail: describe(outcome.error) };
        }
        const value = outcome.value;
        if (typeof value === 'object' && value !== null) return { name, outcome: 'skipped', ms, detail: value.skipped };
        return typeof value === 'string' ? { name, outcome: 'ok', ms, detail: value } : { name, outcome: 'ok', ms };
      }),
    );
    return {
      phase,
      outcome: worst(results.map((r) => r.outcome)),
      deadlineMs: Math.round(deadlineMs),
      ms: Math.round(performance.now() - started),
      participants: results,
    };
  }

  private emit(progress: ShutdownProgress): void {
    for (const listener of this.progressListeners) {
      try {
        listener(progress);
      } catch {
        // A broken UI sink must not stop the shutdown.
      }
    }
  }
}

function skippedPhase(phase: ShutdownPhase, detail: string, deadlineMs: number): PhaseResult {
  return { phase, outcome: 'skipped', deadlineMs, ms: 0, participants: [{ name: '(phase)', outcome: 'skipped', ms: 0, detail }] };
}

const SEVERITY: Record<StepOutcome, number> = { skipped: 0, ok: 1, failed: 2, 'timed-out': 3 };

function worst(outcomes: StepOutcome[]): StepOutcome {
  if (outcomes.length === 0) return 'skipped';
  if (outcomes.every((o) => o === 'skipped')) return 'skipped';
  return outcomes.reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'ok' as StepOutcome);
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const e = error as { code?: unknown; message: unknown };
    return typeof e.code === 'string' ? `${e.code}: ${String(e.message)}` : String(e.message);
  }
  return String(error);
}
