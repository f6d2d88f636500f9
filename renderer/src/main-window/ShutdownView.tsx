/** The shutdown steps as they run (phase by phase, with their outcome). */
import type React from 'react';
import { SHUTDOWN_PHASES } from '../../../main/protocol/shutdown-phases';
import { useOperator } from '../store/operator-store';

export function ShutdownView(): React.JSX.Element | null {
  const shutdown = useOperator((s) => s.shutdown);
  // The event API closes before the last steps' events can reach a browser: say how it ended.
  const linkGone = useOperator((s) => s.link.state === 'disconnected');
  if (!shutdown) return null;
  return (
    <section className="shutdown" aria-label="Shutting down" aria-live="polite">
      <h2>Shutting down ({shutdown.trigger})</h2>
      <ol>
        {SHUTDOWN_PHASES.map((phase) => {
          const step = shutdown.steps.find((s) => s.phase === phase);
          const state = step ? (step.state === 'started' ? 'running' : (step.outcome ?? 'ok')) : 'pending';
          return (
            <li key={phase} className={`step step-${state}`}>
              {phase}: {state}
            </li>
          );
        })}
      </ol>
      {linkGone && <p className="muted">The connection closed: Airtight has stopped (its shutdown report is in the data dir).</p>}
    </section>
  );
}
