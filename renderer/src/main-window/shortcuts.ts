/**
 * In-window shortcuts for the main actions. The keys of connect / disconnect / record / stop
 * all come from the settings (interface.shortcuts.window, one source with the desktop app);
 * going to the title field and to the settings are fixed (Alt+T, Alt+S).
 */
import { useSettings } from '../store/settings-store';
import { displayAccelerator, matchesCombo, parseAccelerator } from './accelerator';

export type ShortcutAction = 'connect' | 'disconnect' | 'recordToggle' | 'stopAll' | 'stopAllAndQuit' | 'title' | 'settings';

export const ACTION_NAMES: Record<ShortcutAction, string> = {
  connect: 'Connect',
  disconnect: 'Stop streaming',
  recordToggle: 'Record / stop recording',
  stopAll: 'Stop all',
  stopAllAndQuit: 'Stop all and quit',
  title: 'Go to the title field',
  settings: 'Settings / main view',
};

const FIXED: Partial<Record<ShortcutAction, string>> = { title: 'Alt+T', settings: 'Alt+S' };

/** The accelerator of each action ('' = none). */
export function shortcutKeys(settings: Record<string, unknown> | undefined): Record<ShortcutAction, string> {
  const window = ((settings?.interface as { shortcuts?: { window?: Record<string, string> } } | undefined)?.shortcuts?.window ?? {}) as Record<string, string>;
  const keys = {} as Record<ShortcutAction, string>;
  for (const action of Object.keys(ACTION_NAMES) as ShortcutAction[]) keys[action] = FIXED[action] ?? window[action] ?? '';
  return keys;
}

export function actionFor(keys: Record<ShortcutAction, string>, event: KeyboardEvent): ShortcutAction | undefined {
  return (Object.keys(keys) as ShortcutAction[]).find((action) => {
    const combo = parseAccelerator(keys[action]);
    return combo !== undefined && matchesCombo(combo, event);
  });
}

/** Label and aria-keyshortcuts of an action's key, for buttons. */
export function useShortcutHint(action: ShortcutAction): { label: string; aria: string | undefined } {
  const accelerator = useSettings((s) => shortcutKeys(s.settings)[action]);
  if (!accelerator) return { label: '', aria: undefined };
  const label = displayAccelerator(accelerator);
  return { label, aria: label.replace('Ctrl', 'Control') };
}
