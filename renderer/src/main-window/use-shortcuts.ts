/** Wires the in-window shortcuts (shortcuts.ts) to the main actions while the app is shown. */
import { useEffect } from 'react';
import { useOperator } from '../store/operator-store';
import { run } from '../store/session';
import { shortcutFor } from './shortcuts';

export function useShortcuts(showSettings: () => void, showMain: () => void): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const action = shortcutFor(event);
      if (!action) return;
      event.preventDefault();
      const { status } = useOperator.getState();
      switch (action) {
        case 'connect':
          void run('connect', undefined, 'Connect');
          return;
        case 'disconnect':
          void run('disconnect', undefined, 'Stop streaming');
          return;
        case 'record':
          void run(status.recording ? 'record.stop' : 'record.start', undefined, 'Record');
          return;
        case 'stopAll':
          void run('stop.all', undefined, 'Stop all');
          return;
        case 'title':
          showMain();
          // The main view may only now be rendering.
          setTimeout(() => document.getElementById('title-input')?.focus(), 0);
          return;
        case 'settings':
          showSettings();
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [showSettings, showMain]);
}
