/** Wires the in-window shortcuts (shortcuts.ts) to the main actions while the app is shown. */
import { useEffect } from 'react';
import { useOperator } from '../store/operator-store';
import { useSettings } from '../store/settings-store';
import { quitApp, run } from '../store/session';
import { actionFor, shortcutKeys } from './shortcuts';

export function useShortcuts(showSettings: () => void, showMain: () => void): void {
  const settings = useSettings((s) => s.settings);
  useEffect(() => {
    const keys = shortcutKeys(settings);
    const onKey = (event: KeyboardEvent): void => {
      const action = actionFor(keys, event);
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
        case 'recordToggle':
          void run(status.recording ? 'record.stop' : 'record.start', undefined, 'Record');
          return;
        case 'stopAll':
          void run('stop.all', undefined, 'Stop all');
          return;
        case 'stopAllAndQuit':
          // Asked for explicitly: no question, as the tray's "stop all and quit".
          void run('stop.all', undefined, 'Stop all').then(() => quitApp());
          return;
        case 'title':
          showMain();
          // From the settings, the main view only renders on the next tick.
          document.getElementById('title-input')?.focus();
          setTimeout(() => document.getElementById('title-input')?.focus(), 0);
          return;
        case 'settings':
          showSettings();
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [settings, showSettings, showMain]);
}
