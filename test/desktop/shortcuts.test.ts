/** Global shortcuts from the settings, through the desktop shell, against a fake globalShortcut. */
import { describe, expect, it } from 'vitest';
import { startDesktopShell } from '../../main/desktop/desktop-shell';
import { FakeHost, FakeShortcuts, FakeTray, FakeWindow, recordingRunner } from './fake-desktop';

function setup(prepare: (host: FakeHost, keys: FakeShortcuts) => void = () => undefined) {
  const host = new FakeHost();
  const keys = new FakeShortcuts();
  const runner = recordingRunner();
  prepare(host, keys);
  const window = new FakeWindow();
  const shell = startDesktopShell({
    host,
    run: runner.run,
    window,
    createTray: (initial) => new FakeTray(initial),
    shortcuts: keys,
    ask: () => Promise.resolve(true),
    requestQuit: () => undefined,
    shortcutRefusalHint: 'Bind "airtight --stop-all" to a key instead.',
  });
  const setGlobal = (global: Record<string, string>): void =>
    host.settingsStore.update((s) => ({ ...s, interface: { ...s.interface, shortcuts: { ...s.interface.shortcuts, global: { ...s.interface.shortcuts.global, ...global } } } }));
  return { host, keys, shell, commands: runner.commands, window, setGlobal };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('global shortcuts', () => {
  it('registers the defaults (stop all, show/hide) and runs their actions', async () => {
    const { keys, commands, window, shell } = setup();
    expect([...keys.registered.keys()].sort()).toEqual(['CommandOrControl+Alt+Shift+A', 'CommandOrControl+Alt+Shift+S']);
    keys.press('CommandOrControl+Alt+Shift+S');
    await flush();
    expect(commands).toEqual(['stop.all']);
    keys.press('CommandOrControl+Alt+Shift+A');
    expect(window.visible).toBe(true);
    expect(shell.shortcuts.status().every((s) => s.state === 'registered')).toBe(true);
  });

  it('reports a key the OS refuses: operator log with a code, and a state for the settings page', () => {
    const { host, shell } = setup((_host, keys) => keys.taken.add('CommandOrControl+Alt+Shift+S'));
    const refused = shell.shortcuts.status().find((s) => s.action === 'stopAll');
    expect(refused).toMatchObject({ state: 'refused', accelerator: 'CommandOrControl+Alt+Shift+S', error: { code: 'SHORTCUT_REFUSED' } });
    const line = host.lines.find((l) => l.error?.code === 'SHORTCUT_REFUSED');
    expect(line?.level).toBe('warn');
    expect(line?.message).toMatch(/CommandOrControl\+Alt\+Shift\+S \(stop all\) could not be registered.*airtight --stop-all/);
    // The other one still works.
    expect(shell.shortcuts.status().find((s) => s.action === 'showHide')?.state).toBe('registered');
  });

  it('a key that throws (Electron refuses some outright) is a refusal too, not a crash', () => {
    const { shell } = setup((_host, keys) => {
      const original = keys.register.bind(keys);
      keys.register = (accelerator, callback) => {
        if (accelerator === 'CommandOrControl+Alt+Shift+A') throw new Error('Error processing argument at index 0, conversion failure');
        return original(accelerator, callback);
      };
    });
    expect(shell.shortcuts.status().find((s) => s.action === 'showHide')).toMatchObject({ state: 'refused', error: { detail: /conversion failure/ } });
  });

  it('re-registers when the settings change: the old key is released, the new one taken, unchanged ones left alone', async () => {
    const { keys, setGlobal, commands, shell } = setup();
    const changes: number[] = [];
    shell.shortcuts.onChange((s) => changes.push(s.length));
    keys.calls.length = 0;
    setGlobal({ stopAll: 'F9', connect: 'Alt+F1' });
    expect(keys.calls).toEqual(['unregister CommandOrControl+Alt+Shift+S', 'register Alt+F1', 'register F9']);
    expect([...keys.registered.keys()].sort()).toEqual(['Alt+F1', 'CommandOrControl+Alt+Shift+A', 'F9']);
    keys.press('F9');
    keys.press('Alt+F1');
    await flush();
    expect(commands).toEqual(['stop.all', 'connect']);
    expect(changes).toEqual([3]);
    // Another section changes: nothing is re-registered.
    keys.calls.length = 0;
    setGlobal({});
    expect(keys.calls).toEqual([]);
    // Emptied = off.
    setGlobal({ connect: '' });
    expect(keys.registered.has('Alt+F1')).toBe(false);
  });

  it('says a refusal once, not at every settings save; a freed key is taken on the next change', () => {
    const { host, keys, setGlobal, shell } = setup((_host, k) => k.taken.add('CommandOrControl+Alt+Shift+S'));
    setGlobal({});
    setGlobal({ connect: 'Alt+F2' });
    expect(host.codes().filter((c) => c === 'SHORTCUT_REFUSED')).toHaveLength(1);
    keys.taken.clear();
    setGlobal({ connect: 'Alt+F3' });
    expect(shell.shortcuts.status().find((s) => s.action === 'stopAll')?.state).toBe('registered');
  });

  it('unregisters everything at shutdown and ignores later settings changes', async () => {
    const { host, keys, setGlobal } = setup();
    await host.freezeInputs();
    expect(keys.registered.size).toBe(0);
    setGlobal({ connect: 'Alt+F1' });
    expect(keys.registered.size).toBe(0);
  });
});
