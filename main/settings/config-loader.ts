/**
 * `-c <file>`: BUTT's .buttrc or Airtight's own settings.json, told apart by content (a JSON
 * object starts with "{" after blanks; a BUTT file never does). Returns the settings, the
 * secrets a BUTT file carried (reference -> value, for the SecretStore), notes for the
 * operator log, and the two start-up actions the host performs once the engine runs.
 */
import { readFileSync } from 'node:fs';
import { appError, type AppError } from '../shared/errors';
import type { Settings } from './settings-schema';
import { SettingsStore } from './settings-store';
import { importButtrc } from './buttrc/butt-import';

export type ConfigKind = 'buttrc' | 'airtight';

export interface LoadedConfig {
  kind: ConfigKind;
  settings: Settings;
  secrets: Map<string, string>;
  /** Operator-facing lines: what was imported, then clamped/ignored values with their lines. */
  notes: string[];
  flags: { connectAtStartup: boolean; recordAtLaunch: boolean };
}

export type LoadConfigResult = { ok: true; config: LoadedConfig } | { ok: false; error: AppError };

export function detectConfigKind(bytes: Uint8Array): ConfigKind {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x7b ? 'airtight' : 'buttrc';
}

export function loadConfigFile(path: string): LoadConfigResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return { ok: false, error: appError('CONFIG_UNREADABLE', `Cannot read the config file ${path}.`, String(error)) };
  }
  if (detectConfigKind(bytes) === 'airtight') {
    // The store's own loader: same validation, same "never overwrite a bad file" rule.
    const store = new SettingsStore(path);
    const error = store.load();
    if (error) return { ok: false, error };
    const settings = store.get();
    return {
      ok: true,
      config: {
        kind: 'airtight',
        settings,
        secrets: new Map(),
        notes: [`Airtight settings read from ${path}`],
        flags: { connectAtStartup: settings.stream.connectAtStartup, recordAtLaunch: settings.recordAutomation.startAtLaunch },
      },
    };
  }
  const imported = importButtrc(bytes, { source: `The BUTT config file ${path}` });
  if (!imported.ok) return imported;
  const { settings, secrets, notes, imported: areas, flags } = imported.value;
  return {
    ok: true,
    config: {
      kind: 'buttrc',
      settings,
      secrets,
      notes: [
        `BUTT config imported from ${path}: ${areas.join('; ') || 'defaults only'}`,
        ...notes.map((note) => `${path}${note.line === undefined ? '' : `:${note.line}`}: ${note.kind === 'notice' ? '' : `${note.kind}: `}${note.message}`),
      ],
      flags,
    },
  };
}
