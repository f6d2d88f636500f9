import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectConfigKind, loadConfigFile } from '../../main/settings/config-loader';
import { SettingsStore } from '../../main/settings/settings-store';
import { defaultSettings } from '../../main/settings/settings-schema';
import { tempDataDir } from '../helpers/airtight-process';
import { BUTT_FIXTURES } from '../helpers/shared-fixtures';

describe('-c <file>', () => {
  it('tells a BUTT file from Airtight JSON by content', () => {
    expect(detectConfigKind(new TextEncoder().encode('\uFEFF \n {"version":1}'))).toBe('airtight');
    expect(detectConfigKind(new TextEncoder().encode('#This is a configuration file for butt\n[main]\n'))).toBe('buttrc');
    expect(detectConfigKind(new TextEncoder().encode('[main]\n'))).toBe('buttrc');
  });

  it('a .buttrc: settings, secrets, notes with file:line, and connect_at_startup as a host flag', () => {
    const path = join(tempDataDir(), 'icecast.buttrc');
    copyFileSync(join(BUTT_FIXTURES, 'icecast-example.buttrc'), path);
    const result = loadConfigFile(path);
    if (!result.ok) throw new Error(result.error.message);
    const { kind, settings, secrets, flags, notes } = result.config;
    expect(kind).toBe('buttrc');
    expect(flags).toEqual({ connectAtStartup: true, recordAtLaunch: false });
    expect(settings.stream.servers[0]).toMatchObject({ address: '127.0.0.1', port: 8000, mount: 'butt.mp3' });
    expect(secrets.get('server:rig:password')).toBe('hackme');
    expect(notes[0]).toMatch(/server "rig"/);
  });

  it('rec_after_launch is a host flag too; a bad value is noted with file and line', () => {
    const path = join(tempDataDir(), 'rec.buttrc');
    writeFileSync(path, '[record]\nrec_after_launch = 1\nsplit_time = soon\n');
    const result = loadConfigFile(path);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.config.flags.recordAtLaunch).toBe(true);
    expect(result.config.notes).toContain(`${path}:3: ignored: [record] split_time = "soon" is not a number: default used`);
  });

  it('Airtight JSON: loaded and validated by the settings store', () => {
    const path = join(tempDataDir(), 'settings.json');
    const settings = defaultSettings();
    settings.stream.connectAtStartup = true;
    writeFileSync(path, JSON.stringify(settings));
    const result = loadConfigFile(path);
    expect(result.ok && result.config.kind).toBe('airtight');
    expect(result.ok && result.config.flags.connectAtStartup).toBe(true);
  });

  it('a settings file with a bad value is reported by key and never overwritten', () => {
    const path = join(tempDataDir(), 'settings.json');
    const bad = JSON.stringify({ version: 1, stream: { servers: [{ name: 'a', address: 'h', port: 70000 }] } }, null, 2);
    writeFileSync(path, bad);
    const result = loadConfigFile(path);
    expect(!result.ok && result.error.message).toMatch(/"stream\.servers\.0\.port"/);
    const store = new SettingsStore(path);
    expect(store.load()?.code).toBe('SETTINGS_INVALID');
    store.update((s) => s);
    expect(store.flush()).toMatch(/left untouched/);
    expect(readFileSync(path, 'utf8')).toBe(bad);
  });

  it('a malformed .buttrc names its line and imports nothing', () => {
    const path = join(tempDataDir(), 'bad.buttrc');
    writeFileSync(path, '[main]\r\nserver = a\r\noops\r\n');
    const result = loadConfigFile(path);
    expect(!result.ok && result.error.message).toMatch(/bad\.buttrc, line 3/);
  });
});
