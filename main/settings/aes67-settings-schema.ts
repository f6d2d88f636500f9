/**
 * The settings file's `aes67` section is the engine's sender settings
 * (main/engine/aes67/aes67-settings.ts), stored as they are: the host hands them to the
 * engine unchanged, so there is one schema to keep. The BUTT fork's `[aes67]` keys
 * (`active ip port ttl dscp iface loopback ptp sap`) are mapped in buttrc/.
 */
import { Aes67SenderSettingsSchema, type Aes67SenderSettings } from '../engine/aes67/aes67-settings';

export const Aes67SettingsSchema = Aes67SenderSettingsSchema;
export type Aes67Settings = Aes67SenderSettings;
