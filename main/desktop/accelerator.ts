/**
 * Electron accelerator strings ("CommandOrControl+Shift+S"): the grammar Electron's
 * globalShortcut and menus accept, checked here so a typo is refused when the settings are
 * saved instead of surfacing later as an unexplained "shortcut refused". No runtime imports:
 * the settings schema and the renderer use it too.
 */

const MODIFIERS = new Set(
  ['command', 'cmd', 'control', 'ctrl', 'commandorcontrol', 'cmdorctrl', 'alt', 'option', 'altgr', 'shift', 'super', 'meta'],
);

const NAMED_KEYS = new Set(
  [
    'plus', 'space', 'tab', 'capslock', 'numlock', 'scrolllock', 'backspace', 'delete', 'insert', 'return', 'enter',
    'up', 'down', 'left', 'right', 'home', 'end', 'pageup', 'pagedown', 'escape', 'esc',
    'volumeup', 'volumedown', 'volumemute', 'medianexttrack', 'mediaprevioustrack', 'mediastop', 'mediaplaypause',
    'printscreen', 'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
  ],
);

function isKey(token: string): boolean {
  const t = token.toLowerCase();
  if (NAMED_KEYS.has(t)) return true;
  if (/^f([1-9]|1[0-9]|2[0-4])$/.test(t)) return true;
  if (/^num[0-9]$/.test(t)) return true;
  // One printable character: letters, digits, punctuation ("+" itself is spelt "Plus").
  return token.length === 1 && token !== '+' && /^[\x21-\x7e]$/.test(token);
}

/** Why `text` is not an accelerator, or undefined when it is one ('' counts: it means "off"). */
export function acceleratorProblem(text: string): string | undefined {
  if (text === '') return undefined;
  const parts = text.split('+');
  // "Ctrl++" would split into an empty last part: Electron wants "Plus".
  if (parts.some((p) => p.trim() === '' || p !== p.trim())) return `"${text}": empty part or spaces (write "Plus" for +)`;
  const key = parts[parts.length - 1] ?? '';
  const modifiers = parts.slice(0, -1);
  const unknownModifier = modifiers.find((m) => !MODIFIERS.has(m.toLowerCase()));
  if (unknownModifier !== undefined) return `"${text}": "${unknownModifier}" is not a modifier`;
  if (new Set(modifiers.map((m) => m.toLowerCase())).size !== modifiers.length) return `"${text}": a modifier is repeated`;
  if (!isKey(key)) return `"${text}": "${key}" is not a key`;
  return undefined;
}

/** Same accelerator whatever the case and modifier order ("shift+ctrl+s" = "Ctrl+Shift+S"). */
export function normalizeAccelerator(text: string): string {
  if (text === '') return '';
  const parts = text.split('+');
  const key = (parts[parts.length - 1] ?? '').toLowerCase();
  const mods = parts
    .slice(0, -1)
    .map((m) => m.toLowerCase())
    .map((m) => (m === 'cmd' ? 'command' : m === 'ctrl' ? 'control' : m === 'cmdorctrl' ? 'commandorcontrol' : m === 'option' ? 'alt' : m))
    .sort();
  return [...mods, key === 'esc' ? 'escape' : key === 'return' ? 'enter' : key].join('+');
}
