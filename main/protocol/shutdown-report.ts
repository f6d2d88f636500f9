/**
 * What a shutdown did, step by step. Kept on disk after every quit so the next start can say
 * whether the last one was clean and, if not, why. Shown in the UI while a quit runs.
 */
import { z } from 'zod';
import { EngineShutdownReportSchema, ShutdownProfileSchema } from './engine-protocol';

import { SHUTDOWN_PHASES } from './shutdown-phases';

export { SHUTDOWN_PHASES };
export const ShutdownPhaseSchema = z.enum(SHUTDOWN_PHASES);
export type ShutdownPhase = z.infer<typeof ShutdownPhaseSchema>;

export const SHUTDOWN_TRIGGERS = [
  'app-quit',
  'window-close',
  'tray-quit',
  'control-port',
  'event-api',
  'second-instance',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'os-shutdown',
  'session-end',
  'fatal-error',
] as const;
export const ShutdownTriggerSchema = z.enum(SHUTDOWN_TRIGGERS);
export type ShutdownTrigger = z.infer<typeof ShutdownTriggerSchema>;

export const StepOutcomeSchema = z.enum(['ok', 'skipped', 'failed', 'timed-out']);
export type StepOutcome = z.infer<typeof StepOutcomeSchema>;

export const ParticipantResultSchema = z.object({
  name: z.string(),
  outcome: StepOutcomeSchema,
  ms: z.number(),
  detail: z.string().optional(),
});
export type ParticipantResult = z.infer<typeof ParticipantResultSchema>;

export const PhaseResultSchema = z.object({
  phase: ShutdownPhaseSchema,
  outcome: StepOutcomeSchema,
  deadlineMs: z.number(),
  ms: z.number(),
  participants: z.array(ParticipantResultSchema),
});
export type PhaseResult = z.infer<typeof PhaseResultSchema>;

export const LeftoverProcessSchema = z.object({ pid: z.number(), state: z.string(), killed: z.boolean() });

export const ShutdownReportSchema = z.object({
  trigger: ShutdownTriggerSchema,
  profile: ShutdownProfileSchema,
  hostPid: z.number(),
  startedAt: z.string(),
  ms: z.number(),
  clean: z.boolean(),
  phases: z.array(PhaseResultSchema),
  engine: EngineShutdownReportSchema.optional(),
  /** Processes of ours still present after the engine was stopped (zombies included). */
  leftovers: z.array(LeftoverProcessSchema),
});
export type ShutdownReport = z.infer<typeof ShutdownReportSchema>;

export const ShutdownProgressSchema = z.object({
  trigger: ShutdownTriggerSchema,
  phase: ShutdownPhaseSchema,
  state: z.enum(['started', 'finished']),
  outcome: StepOutcomeSchema.optional(),
});
export type ShutdownProgress = z.infer<typeof ShutdownProgressSchema>;
