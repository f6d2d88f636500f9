/**
 * Electron accelerator strings ("CommandOrControl+Shift+C", the settings' format, checked in
 * main/desktop/accelerator.ts) matched against keyboard events in the page, so the in-window
 * shortcuts are the same in the desktop app and in a browser.
 */
export interface KeyCombo {
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
  /** Lower case: a letter, a digit, 'f5', 'space', 'enter'... */
  key: string;
}

export const IS_MAC = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

export function parseAccelerator(text: string, mac = IS_MAC): KeyCombo | undefined {
  if (!text.trim()) return undefined;
  const combo: KeyCombo = { ctrl: false, alt: false, shift: false, meta: false, key: '' };
  for (const raw of text.split('+')) {
    const part = raw.trim().toLowerCase();
    if (part === 'commandorcontrol' || part === 'cmdorctrl') {
      if (mac) combo.meta = true;
      else combo.ctrl = true;
    } else if (part === 'control' || part === 'ctrl') combo.ctrl = true;
    else if (part === 'alt' || part === 'option' || part === 'altgr') combo.alt = true;
    else if (part === 'shift') combo.shift = true;
    else if (part === 'super' || part === 'meta' || part === 'command' || part === 'cmd') combo.meta = true;
    else combo.key = part;
  }
  return combo.key ? combo : undefined;
}

/** The key an event names, layout-independent for letters and digits (Shift changes `key`, not `code`). */
function eventKey(event: Pick<KeyboardEvent, 'code' | 'key'>): string {
  if (/^Key[A-Z]$/.test(event.code)) return event.code.slice(3).toLowerCase();
  if (/^Digit\d$/.test(event.code)) return event.code.slice(5);
  if (event.key === ' ') return 'space';
  return event.key.toLowerCase();
}

export function matchesCombo(combo: KeyCombo, event: Pick<KeyboardEvent, 'code' | 'key' | 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey'>): boolean {
  return combo.ctrl === event.ctrlKey && combo.alt === event.altKey && combo.shift === event.shiftKey && combo.meta === event.metaKey && combo.key === eventKey(event);
}

/** "CommandOrControl+Shift+C" -> "Ctrl+Shift+C" (or "⌘+Shift+C" on a Mac), for labels. */
export function displayAccelerator(text: string, mac = IS_MAC): string {
  return text
    .split('+')
    .map((part) => (/^(CommandOrControl|CmdOrCtrl)$/i.test(part) ? (mac ? '⌘' : 'Ctrl') : /^Control$/i.test(part) ? 'Ctrl' : part))
    .join('+');
}
