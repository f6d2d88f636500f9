/**
 * The renderer's in-window shortcuts read the settings' Electron accelerators: every default
 * in the schema must parse and match the key press it names, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { matchesCombo, parseAccelerator, displayAccelerator } from '../../renderer/src/main-window/accelerator';
import { actionFor, shortcutKeys } from '../../renderer/src/main-window/shortcuts';
import { SettingsSchema, SETTINGS_VERSION } from '../../main/settings/settings-schema';
import { labelOf } from '../../renderer/src/settings/schema-fields';

type Press = Parameters<typeof matchesCombo>[1];
const press = (code: string, key: string, mods: Partial<Press> = {}): Press => ({ code, key, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods });

describe('in-window shortcuts from the settings', () => {
  it('matches each default window shortcut to its own key press only', () => {
    const keys = shortcutKeys(SettingsSchema.parse({ version: SETTINGS_VERSION }) as unknown as Record<string, unknown>);
    expect(keys.connect).toBe('CommandOrControl+Shift+C');
    // Shift changes `key` ("C"), not `code`: the match goes by code.
    expect(actionFor(keys, press('KeyC', 'C', { ctrlKey: true, shiftKey: true }) as KeyboardEvent)).toBe('connect');
    expect(actionFor(keys, press('KeyR', 'R', { ctrlKey: true, shiftKey: true }) as KeyboardEvent)).toBe('recordToggle');
    expect(actionFor(keys, press('KeyS', 'S', { ctrlKey: true, shiftKey: true }) as KeyboardEvent)).toBe('stopAll');
    expect(actionFor(keys, press('KeyT', 't', { altKey: true }) as KeyboardEvent)).toBe('title');
    // Near misses do nothing: plain typing, a missing modifier, an extra one.
    expect(actionFor(keys, press('KeyC', 'c') as KeyboardEvent)).toBeUndefined();
    expect(actionFor(keys, press('KeyC', 'c', { ctrlKey: true }) as KeyboardEvent)).toBeUndefined();
    expect(actionFor(keys, press('KeyC', 'C', { ctrlKey: true, shiftKey: true, altKey: true }) as KeyboardEvent)).toBeUndefined();
  });

  it('reads CommandOrControl as Cmd on a Mac and Ctrl elsewhere; empty means none', () => {
    expect(parseAccelerator('CommandOrControl+Shift+D', true)).toEqual({ ctrl: false, alt: false, shift: true, meta: true, key: 'd' });
    expect(parseAccelerator('CommandOrControl+Shift+D', false)).toEqual({ ctrl: true, alt: false, shift: true, meta: false, key: 'd' });
    expect(matchesCombo(parseAccelerator('F5', false)!, press('F5', 'F5'))).toBe(true);
    expect(matchesCombo(parseAccelerator('Alt+1', false)!, press('Digit1', '1', { altKey: true }))).toBe(true);
    expect(parseAccelerator('', false)).toBeUndefined();
    expect(parseAccelerator('Shift', false)).toBeUndefined();
    expect(displayAccelerator('CommandOrControl+Shift+C', false)).toBe('Ctrl+Shift+C');
  });

  it('labels settings keys in words with their unit', () => {
    expect(labelOf('confirmQuitWhileOnAir')).toBe('Confirm quit while on air');
    expect(labelOf('masterGainDb')).toBe('Master gain (dB)');
    expect(labelOf('reconnectDelaySeconds')).toBe('Reconnect delay (s)');
    expect(labelOf('bitrateKbps')).toBe('Bitrate (kbps)');
    expect(labelOf('sapIntervalSeconds')).toBe('SAP interval (s)');
    expect(labelOf('ttl')).toBe('TTL');
    expect(labelOf('caPath')).toBe('CA file or folder');
  });
});
