/**
 * In-window shortcuts for the main actions. Alt+letter: it works while typing in the title
 * field and does not collide with the browser's own Ctrl shortcuts.
 */
export const SHORTCUT_HINTS = {
  connect: { key: 'c', label: 'Alt+C', aria: 'Alt+C' },
  disconnect: { key: 'd', label: 'Alt+D', aria: 'Alt+D' },
  record: { key: 'r', label: 'Alt+R', aria: 'Alt+R' },
  stopAll: { key: 'x', label: 'Alt+X', aria: 'Alt+X' },
  title: { key: 't', label: 'Alt+T', aria: 'Alt+T' },
  settings: { key: 's', label: 'Alt+S', aria: 'Alt+S' },
} as const;

export type ShortcutAction = keyof typeof SHORTCUT_HINTS;

/** The action an Alt+key press means, if any (by `code`, so keyboard layouts with dead Alt keys still work). */
export function shortcutFor(event: Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'code'>): ShortcutAction | undefined {
  if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return undefined;
  const letter = event.code.startsWith('Key') ? event.code.slice(3).toLowerCase() : '';
  return (Object.keys(SHORTCUT_HINTS) as ShortcutAction[]).find((action) => SHORTCUT_HINTS[action].key === letter);
}
