/** Connect / stop / record / stop all, coloured by state so it reads from across the room. */
import type React from 'react';
import { useOperator } from '../store/operator-store';
import { run } from '../store/session';
import { SHORTCUT_HINTS } from './shortcuts';

export function TransportButtons(): React.JSX.Element {
  const { connected, connecting, recording } = useOperator((s) => s.status);
  const linkOpen = useOperator((s) => s.link.state === 'open');
  const streaming = connected || connecting;
  return (
    <section className="transport" aria-label="Main controls">
      <button
        type="button"
        className={`big ${connected ? 'is-on-air' : connecting ? 'is-connecting' : ''}`}
        aria-pressed={streaming}
        aria-keyshortcuts={SHORTCUT_HINTS.connect.aria}
        disabled={!linkOpen || streaming}
        onClick={() => void run('connect', undefined, 'Connect')}
      >
        {connected ? 'On air' : connecting ? 'Connecting…' : 'Connect'}
        <kbd>{SHORTCUT_HINTS.connect.label}</kbd>
      </button>
      <button
        type="button"
        className="big"
        aria-keyshortcuts={SHORTCUT_HINTS.disconnect.aria}
        disabled={!linkOpen || !streaming}
        onClick={() => void run('disconnect', undefined, 'Stop streaming')}
      >
        Stop<kbd>{SHORTCUT_HINTS.disconnect.label}</kbd>
      </button>
      <button
        type="button"
        className={`big ${recording ? 'is-recording' : ''}`}
        aria-pressed={recording}
        aria-keyshortcuts={SHORTCUT_HINTS.record.aria}
        disabled={!linkOpen}
        onClick={() => void run(recording ? 'record.stop' : 'record.start', undefined, recording ? 'Stop recording' : 'Record')}
      >
        {recording ? 'Stop rec' : 'Record'}
        <kbd>{SHORTCUT_HINTS.record.label}</kbd>
      </button>
      <button
        type="button"
        className="big stop-all"
        aria-keyshortcuts={SHORTCUT_HINTS.stopAll.aria}
        disabled={!linkOpen}
        onClick={() => void run('stop.all', undefined, 'Stop all')}
      >
        Stop all<kbd>{SHORTCUT_HINTS.stopAll.label}</kbd>
      </button>
    </section>
  );
}
