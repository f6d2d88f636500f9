import { describe, expect, it } from 'vitest';
import { SettingsSchema } from '../../main/settings/settings-schema';
import { acceleratorProblem, normalizeAccelerator } from '../../main/desktop/accelerator';

describe('interface settings', () => {
  it('loads a file written before the section grew, with the new fields at their defaults', () => {
    const old = SettingsSchema.parse({ version: 1, interface: { confirmQuitWhileOnAir: false, startMinimized: true } });
    expect(old.interface.confirmQuitWhileOnAir).toBe(false);
    expect(old.interface.startMinimized).toBe(true);
    expect(old.interface.theme).toBe('system');
    expect(old.interface.minimizeToTray).toBe(false);
    expect(old.interface.notifications).toEqual({ disconnect: true, reconnect: true, silence: true });
    expect(old.interface.shortcuts.global.stopAll).not.toBe('');
    expect(old.interface.shortcuts.global.connect).toBe('');
  });

  it('keeps what the operator set and fills the rest of a partial shortcut set', () => {
    const s = SettingsSchema.parse({ version: 1, interface: { shortcuts: { global: { connect: 'Alt+F9', stopAll: '' } } } });
    expect(s.interface.shortcuts.global.connect).toBe('Alt+F9');
    expect(s.interface.shortcuts.global.stopAll).toBe('');
    expect(s.interface.shortcuts.window.recordToggle).not.toBe('');
  });

  it('refuses a shortcut that is not an accelerator, naming the field', () => {
    const r = SettingsSchema.safeParse({ version: 1, interface: { shortcuts: { global: { connect: 'Ctrl+Hyper+Q' } } } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.join('.')).toBe('interface.shortcuts.global.connect');
    expect(r.error?.issues[0]?.message).toMatch(/Hyper/);
  });

  it('refuses one key for two actions of the same set', () => {
    const r = SettingsSchema.safeParse({
      version: 1,
      interface: { shortcuts: { global: { connect: 'Ctrl+Alt+C', disconnect: 'alt+control+c', stopAll: '' } } },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.join('.')).toBe('interface.shortcuts.global.disconnect');
  });

  it('accepts what Electron accepts and refuses what it would not', () => {
    for (const ok of ['', 'F12', 'CommandOrControl+Shift+S', 'Alt+Plus', 'Ctrl+num5', 'MediaPlayPause', 'Super+Space', 'Shift+/'])
      expect(acceleratorProblem(ok), ok).toBeUndefined();
    for (const bad of ['Ctrl+', 'Ctrl++', 'Ctrl+Shift', 'Ctrl + S', 'Ctrl+Ctrl+S', 'F25', 'Ctrl+AB', 'Hyper+S'])
      expect(acceleratorProblem(bad), bad).toBeDefined();
    expect(normalizeAccelerator('shift+Cmd+s')).toBe(normalizeAccelerator('Command+Shift+S'));
  });
});
