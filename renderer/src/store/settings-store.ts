/**
 * The settings as the host has them (`settings.get`; passwords never included, servers carry
 * `hasPassword`), reloaded when they change. Pages edit drafts of whole sections and save
 * them with `settings.update`.
 */
import { create } from 'zustand';
import type { AppError } from '../../../main/shared/errors';
import { run } from './session';

export type SettingsValue = Record<string, unknown>;

interface SettingsState {
  settings: SettingsValue | undefined;
  loadError: AppError | undefined;
}

export const useSettings = create<SettingsState>(() => ({ settings: undefined, loadError: undefined }));

export async function reloadSettings(): Promise<void> {
  const got = await run('settings.get', undefined, 'Loading settings');
  if (got.ok) useSettings.setState({ settings: got.result.settings, loadError: undefined });
  else useSettings.setState({ loadError: got.error });
}

/** Saves whole top-level sections; the answer is the new settings or the host's refusal. */
export async function saveSections(sections: SettingsValue): Promise<{ ok: true } | { ok: false; error: AppError }> {
  const saved = await run('settings.update', { sections }, 'Saving settings');
  if (!saved.ok) return saved;
  useSettings.setState({ settings: saved.result.settings });
  return { ok: true };
}

/** `settings.changed` carries the new settings (as `settings.get` shows them); older hosts only name the sections. */
export function settingsChanged(data: unknown): void {
  const settings = (data as { settings?: SettingsValue } | undefined)?.settings;
  if (settings && typeof settings === 'object') useSettings.setState({ settings, loadError: undefined });
  else void reloadSettings();
}
