/** Connect / stop / record / stop all, coloured by state so it reads from across the room. */
import type React from 'react';
import { useOperator } from '../store/operator-store';
import { run } from '../store/session';
import { useShortcutHint, type ShortcutAction } from './shortcuts';

function Hint({ action }: { action: ShortcutAction }): React.JSX.Element | null {
  const { label } = useShortcutHint(action);
  return label ? <kbd>{label}</kbd> : null;
}

export function TransportButtons(): React.JSX.Element {
  const { connected, connecting, recording } = useOperator((s) => s.status);
  const linkOpen = useOperator((s) => s.link.state === 'open');
  const streaming = connected || connecting;
  const keys = {
    connect: useShortcutHint('connect').aria,
    disconnect: useShortcutHint('disconnect').aria,
    record: useShortcutHint('recordToggle').aria,
    stopAll: useShortcutHint('stopAll').aria,
  };
  return (
    <section className="transport" aria-label="Main controls">
      <button
        type="button"
        className={`big ${connected ? 'is-on-air' : connecting ? 'is-connecting' : ''}`}
        aria-pressed={streaming}
        aria-keyshortcuts={keys.connect}
        disabled={!linkOpen || streaming}
        onClick={() => void run('connect', undefined, 'Connect')}
      >
        {connected ? 'On air' : connecting ? 'Connecting…' : 'Connect'}
        <Hint action="connect" />
      </button>
      <button type="button" className="big" aria-keyshortcuts={keys.disconnect} disabled={!linkOpen || !streaming} onClick={() => void run('disconnect', undefined, 'Stop streaming')}>
        Stop
        <Hint action="disconnect" />
      </button>
      <button
        type="button"
        className={`big ${recording ? 'is-recording' : ''}`}
        aria-pressed={recording}
        aria-keyshortcuts={keys.record}
        disabled={!linkOpen}
        onClick={() => void run(recording ? 'record.stop' : 'record.start', undefined, recording ? 'Stop recording' : 'Record')}
      >
        {recording ? 'Stop rec' : 'Record'}
        <Hint action="recordToggle" />
      </button>
      <button type="button" className="big stop-all" aria-keyshortcuts={keys.stopAll} disabled={!linkOpen} onClick={() => void run('stop.all', undefined, 'Stop all')}>
        Stop all
        <Hint action="stopAll" />
      </button>
    </section>
  );
}
