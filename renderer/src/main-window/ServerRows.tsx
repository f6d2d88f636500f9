/** One row per server: its state, what it sent, and the error of a failed one in words. */
import type React from 'react';
import { useOperator } from '../store/operator-store';
import { size } from '../store/format';
import { run } from '../store/session';

export function ServerRows(): React.JSX.Element {
  const servers = useOperator((s) => s.servers);
  const streams = useOperator((s) => s.streams);
  const stats = useOperator((s) => s.stats);
  const linkOpen = useOperator((s) => s.link.state === 'open');
  return (
    <section className="servers" aria-label="Servers">
      <h2>Servers</h2>
      {servers.length === 0 && <p className="muted">No server configured. Add one in Settings → Servers.</p>}
      <ul>
        {servers.map((name) => {
          const stream = streams[name];
          const state = stream?.state ?? 'idle';
          // A stopped or failed server's counters are its last session's: not shown as if current.
          const stat = state === 'connected' || state === 'retrying' ? stats[name] : undefined;
          return (
            <li key={name} className={`server-row server-${state}`} data-server={name}>
              <span className="server-dot" aria-hidden="true" />
              <span className="server-name">{name}</span>
              <span className="server-state">{state}</span>
              <span className="server-stats">
                {stat?.bytesSent !== undefined ? size(stat.bytesSent / 1024) : ''}
                {stat?.bitrateKbps !== undefined ? ` · ${Math.round(stat.bitrateKbps)} kbps` : ''}
                {stat?.listeners !== undefined && stat.listeners >= 0 ? ` · ${stat.listeners} listeners` : ''}
                {stat?.reconnects ? ` · ${stat.reconnects} reconnects` : ''}
              </span>
              {stream?.error && (
                <span className="error-text server-error" role="alert">
                  {stream.error.message}
                </span>
              )}
              {(state === 'idle' || state === 'stopped' || state === 'failed') && (
                <button type="button" className="small" disabled={!linkOpen} onClick={() => void run('connect', { server: name }, `Connect ${name}`)}>
                  Connect {name}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
