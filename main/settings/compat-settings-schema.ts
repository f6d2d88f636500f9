/**
 * What a BUTT import could not map: every key Airtight does not understand, verbatim, with its
 * section, so an export writes it back. A secret-looking value is not stored here: `secretRef`
 * names it in the SecretStore instead.
 */
import { z } from 'zod';

export const ExtraEntrySchema = z
  .object({
    section: z.string(),
    key: z.string(),
    value: z.string().optional(),
    secretRef: z.string().optional(),
  })
  .refine((entry) => (entry.value === undefined) !== (entry.secretRef === undefined), {
    message: 'an extra entry holds either a value or a secretRef',
  });
export type ExtraEntry = z.infer<typeof ExtraEntrySchema>;

export const CompatSettingsSchema = z.object({
  butt: z
    .object({
      /** In file order. Array, not a record: BUTT section and key names may look like numbers. */
      extra: z.array(ExtraEntrySchema).default([]),
    })
    .prefault({}),
});
export type CompatSettings = z.infer<typeof CompatSettingsSchema>;
