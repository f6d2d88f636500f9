/**
 * Loads and saves settings.json. Writes are atomic. A file that does not parse or validate
 * is never overwritten: the operator gets an error naming the line or key, Airtight runs on
 * defaults, and the file stays as it was for them to fix (BUTT silently replaced it).
 */
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { appError, type AppError } from '../shared/errors';
import { SettingsSchema, defaultSettings, type Settings } from './settings-schema';

export class SettingsStore {
  private current: Settings = defaultSettings();
  private dirty = false;
  private protectedFromWrites = false;
  private sessionSource: string | undefined;
  private readonly listeners: ((settings: Settings) => void)[] = [];

  constructor(private readonly path: string) {}

  /** Returns an error when the file exists but cannot be used. */
  load(): AppError | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.protectedFromWrites = true;
      return appError('SETTINGS_UNREADABLE', `Cannot read the settings file ${this.path}`, String(error));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      this.protectedFromWrites = true;
      const line = lineOf(text, error);
      return appError(
        'SETTINGS_INVALID',
        `The settings file ${this.path} is not valid JSON${line ? ` (line ${line})` : ''}. Airtight runs on defaults and leaves the file untouched.`,
        String(error),
      );
    }
    const parsed = SettingsSchema.safeParse(json);
    if (!parsed.success) {
      this.protectedFromWrites = true;
      const issue = parsed.error.issues[0];
      const key = issue?.path.join('.') || '(top level)';
      return appError(
        'SETTINGS_INVALID',
        `The settings file ${this.path} has an invalid value at "${key}": ${issue?.message ?? 'invalid'}. Airtight runs on defaults and leaves the file untouched.`,
      );
    }
    this.current = parsed.data;
    return undefined;
  }

  get(): Settings {
    return this.current;
  }

  /** After every change (update, a session file): the tray, shortcuts and window re-apply theirs. */
  onChange(listener: (settings: Settings) => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener(this.current);
  }

  /**
   * Settings for this run only (`-c <file>`): used, never written over settings.json, so a
   * one-off BUTT config does not replace the operator's own settings.
   */
  useForSession(settings: Settings, source: string): void {
    this.current = SettingsSchema.parse(settings);
    this.sessionSource = source;
    this.changed();
  }

  update(change: (settings: Settings) => Settings): void {
    this.current = SettingsSchema.parse(change(structuredClone(this.current)));
    this.dirty = true;
    this.changed();
  }

  /** Writes pending changes. Returns why nothing was written, if so. */
  flush(): string | undefined {
    if (this.protectedFromWrites) return 'the settings file on disk is invalid and is left untouched';
    if (this.sessionSource) return `settings from ${this.sessionSource} are for this run only`;
    if (!this.dirty) return 'no changes';
    writeFileAtomic.sync(this.path, JSON.stringify(this.current, null, 2) + '\n', { mode: 0o600 });
    this.dirty = false;
    return undefined;
  }
}

function lineOf(text: string, error: unknown): number | undefined {
  const match = /position (\d+)/.exec(String(error));
  if (!match) return undefined;
  return text.slice(0, Number(match[1])).split('\n').length;
}
