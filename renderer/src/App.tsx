import type React from 'react';
import { useEffect } from 'react';
import { connectStore, useAppStore } from './store';
import { SHUTDOWN_PHASES } from '../../main/protocol/shutdown-phases';
import type { EngineState } from '../../main/host/host';

function engineLabel(engine: EngineState): string {
  switch (engine.state) {
    case 'running':
      return `Engine running (pid ${engine.pid})`;
    case 'starting':
      return 'Engine starting…';
    case 'restarting':
      return `Engine restarting: ${engine.reason}`;
    case 'failed':
      return `Engine stopped: ${engine.reason}`;
    case 'stopped':
      return 'Engine stopped';
  }
}

export function App(): React.JSX.Element {
  const { version, engine, previousRunNotice, log, shutdown } = useAppStore();
  useEffect(() => connectStore(), []);
  return (
    <main className="app">
      <header>
        <h1>Airtight</h1>
        <span className="version">{version}</span>
      </header>
      <p role="status" className={`engine engine-${engine.state}`}>
        {engineLabel(engine)}
      </p>
      {previousRunNotice && (
        <p role="alert" className="notice">
          {previousRunNotice}
        </p>
      )}
      {shutdown ? (
        <section aria-label="Shutting down" className="shutdown">
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
        </section>
      ) : (
        <button type="button" onClick={() => void window.airtight.quit()}>
          Quit
        </button>
      )}
      <section aria-label="Log" className="log">
        <ul>
          {log.map((entry, i) => (
            <li key={i} className={`log-${entry.level}`}>
              <time>{entry.time.slice(11, 19)}</time> {entry.message}
              {entry.error ? ` [${entry.error.code}]` : ''}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
