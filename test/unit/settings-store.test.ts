import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsStore } from '../../main/settings/settings-store';
import { tempDataDir } from '../helpers/airtight-process';

describe('SettingsStore', () => {
  it('starts from defaults, saves changes atomically with 0600, reloads them', () => {
    const path = join(tempDataDir(), 'settings.json');
    const store = new SettingsStore(path);
    expect(store.load()).toBeUndefined();
    expect(store.get().interface.confirmQuitWhileOnAir).toBe(true);
    expect(store.flush()).toBe('no changes');
    store.update((s) => ({ ...s, interface: { ...s.interface, startMinimized: true } }));
    expect(store.flush()).toBeUndefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = new SettingsStore(path);
    expect(again.load()).toBeUndefined();
    expect(again.get().interface.startMinimized).toBe(true);
  });

  it('a file that is not JSON is reported with its line and never overwritten', () => {
    const path = join(tempDataDir(), 'settings.json');
    const broken = '{\n  "version": 1,\n  "interface": {,\n}\n';
    writeFileSync(path, broken);
    const store = new SettingsStore(path);
    const error = store.load();
    expect(error?.code).toBe('SETTINGS_INVALID');
    expect(error?.message).toMatch(/line 3/);
    store.update((s) => s);
    expect(store.flush()).toMatch(/left untouched/);
    expect(readFileSync(path, 'utf8')).toBe(broken);
  });

  it('a value of the wrong type is reported by its key', () => {
    const path = join(tempDataDir(), 'settings.json');
    writeFileSync(path, JSON.stringify({ version: 1, interface: { startMinimized: 'yes' } }));
    const error = new SettingsStore(path).load();
    expect(error?.message).toMatch(/"interface\.startMinimized"/);
  });
});
