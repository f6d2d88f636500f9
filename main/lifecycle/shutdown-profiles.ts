import type { ShutdownProfile } from '../protocol/engine-protocol';
import type { ShutdownPhase, ShutdownTrigger } from '../protocol/shutdown-report';

export interface ProfileDeadlines {
  phases: Record<ShutdownPhase, number>;
  totalMs: number;
}

/**
 * Deadlines are ceilings, not waits: a healthy engine finishes in a small fraction of them.
 * `normal` leaves room for finalizing a large recording; `fast` fits inside the few seconds
 * an OS gives at logoff or shutdown, and a fatal error should not linger either.
 */
export const SHUTDOWN_PROFILES: Record<ShutdownProfile, ProfileDeadlines> = {
  normal: {
    phases: {
      'freeze-inputs': 250,
      'notify-ui': 250,
      'engine-shutdown': 3000,
      'engine-exit': 750,
      'engine-terminate': 1000,
      'engine-kill': 1000,
      'verify-processes': 500,
      'persist-settings': 750,
    },
    totalMs: 6000,
  },
  fast: {
    phases: {
      'freeze-inputs': 100,
      'notify-ui': 100,
      'engine-shutdown': 1200,
      'engine-exit': 300,
      'engine-terminate': 500,
      'engine-kill': 500,
      'verify-processes': 300,
      'persist-settings': 300,
    },
    totalMs: 3000,
  },
};

/** Phases that run even after the total deadline has passed: they are what makes exit safe. */
export const ESSENTIAL_PHASES: ReadonlySet<ShutdownPhase> = new Set(['engine-kill', 'verify-processes', 'persist-settings']);
/** What an essential phase still gets once the total deadline is gone. */
export const ESSENTIAL_MIN_MS = 250;

export function profileFor(trigger: ShutdownTrigger): ShutdownProfile {
  return trigger === 'os-shutdown' || trigger === 'session-end' || trigger === 'fatal-error' ? 'fast' : 'normal';
}
