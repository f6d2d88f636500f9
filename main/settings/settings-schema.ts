/**
 * The one schema of Airtight's own settings file. Later features add their sections here;
 * every section has defaults so an older file still loads.
 */
import { z } from 'zod';
import { AudioSettingsSchema } from './audio-settings-schema';

export const SETTINGS_VERSION = 1;

export const SettingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  interface: z
    .object({
      confirmQuitWhileOnAir: z.boolean().default(true),
      startMinimized: z.boolean().default(false),
    })
    .prefault({}),
  audio: AudioSettingsSchema.prefault({}),
  window: z
    .object({ width: z.number().int().min(320), height: z.number().int().min(240), x: z.number().int().optional(), y: z.number().int().optional() })
    .optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({ version: SETTINGS_VERSION });
}
