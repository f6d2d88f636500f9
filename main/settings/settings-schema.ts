/**
 * The one schema of Airtight's own settings file. Later features add their sections here;
 * every section has defaults so an older file still loads.
 */
import { z } from 'zod';
import { AudioSettingsSchema } from './audio-settings-schema';
import { StreamSettingsSchema } from './server-settings-schema';
import { SongSettingsSchema } from './song-settings-schema';
import { RecordAutomationSchema } from './automation-settings-schema';
import { Aes67SettingsSchema } from './aes67-settings-schema';
import { CompatSettingsSchema } from './compat-settings-schema';
import { InterfaceSettingsSchema } from './interface-settings-schema';

export const SETTINGS_VERSION = 1;

export const SettingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  interface: InterfaceSettingsSchema.prefault({}),
  audio: AudioSettingsSchema.prefault({}),
  stream: StreamSettingsSchema.prefault({}),
  song: SongSettingsSchema.prefault({}),
  recordAutomation: RecordAutomationSchema.prefault({}),
  aes67: Aes67SettingsSchema.prefault({}),
  /** Operator log file in addition to the data dir's own ('' = none; BUTT's log_file). */
  log: z.object({ file: z.string().default('') }).prefault({}),
  /** What an imported BUTT file held that Airtight does not use, kept for export. */
  compat: CompatSettingsSchema.prefault({}),
  window: z
    .object({ width: z.number().int().min(320), height: z.number().int().min(240), x: z.number().int().optional(), y: z.number().int().optional() })
    .optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({ version: SETTINGS_VERSION });
}
