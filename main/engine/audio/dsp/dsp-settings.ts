import { z } from 'zod';

/**
 * DSP settings of one Airtight instance: master gain plus one chain per path (stream, record).
 * Defaults follow BUTT's `[dsp]` section (EQ flat and off, compressor -20 dB / 5:1 / 0.01 s /
 * 1.0 s / 0 dB makeup, off). The limiter is ours (BUTT has none): on at -1 dBFS.
 * This schema joins the main settings schema later.
 */

/** Band centres in Hz, BUTT's order (gain1..gain10). */
export const EQ_BAND_FREQUENCIES = [32, 64, 125, 250, 500, 1000, 2000, 4000, 8000, 16000] as const;
export const EQ_BAND_COUNT = EQ_BAND_FREQUENCIES.length;
export const EQ_Q = 2;
export const EQ_MAX_GAIN_DB = 15;
export const GAIN_RANGE_DB = 24;

const gainDb = z.number().min(-GAIN_RANGE_DB).max(GAIN_RANGE_DB);

export const eqSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** Name of the BUTT preset the gains came from, or 'Manual'. Informational: gains rule. */
  preset: z.string().default('Manual'),
  gainsDb: z
    .array(z.number().min(-EQ_MAX_GAIN_DB).max(EQ_MAX_GAIN_DB))
    .length(EQ_BAND_COUNT)
    .default(() => new Array<number>(EQ_BAND_COUNT).fill(0)),
});

export const compressorSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  thresholdDb: z.number().min(-90).max(0).default(-20),
  ratio: z.number().min(1).max(100).default(5),
  attackSeconds: z.number().min(0.0001).max(5).default(0.01),
  releaseSeconds: z.number().min(0.001).max(10).default(1.0),
  makeupGainDb: z.number().min(0).max(48).default(0),
  /** BUTT's aggressive mode: the level detector follows instantaneous power (no smoothing). */
  aggressive: z.boolean().default(false),
});

export const limiterSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  ceilingDb: z.number().min(-24).max(0).default(-1),
  lookaheadMs: z.number().min(0.5).max(20).default(5),
  releaseMs: z.number().min(1).max(2000).default(80),
});

export const pathDspSettingsSchema = z.object({
  /** Path gain (stream or record), on top of the master gain. */
  gainDb: gainDb.default(0),
  eq: eqSettingsSchema.prefault({}),
  compressor: compressorSettingsSchema.prefault({}),
  limiter: limiterSettingsSchema.prefault({}),
});

export const dspSettingsSchema = z.object({
  masterGainDb: gainDb.default(0),
  stream: pathDspSettingsSchema.prefault({}),
  record: pathDspSettingsSchema.prefault({}),
});

export type EqSettings = z.infer<typeof eqSettingsSchema>;
export type CompressorSettings = z.infer<typeof compressorSettingsSchema>;
export type LimiterSettings = z.infer<typeof limiterSettingsSchema>;
export type PathDspSettings = z.infer<typeof pathDspSettingsSchema>;
export type DspSettings = z.infer<typeof dspSettingsSchema>;

export function defaultDspSettings(): DspSettings {
  return dspSettingsSchema.parse({});
}

export function defaultPathDspSettings(): PathDspSettings {
  return pathDspSettingsSchema.parse({});
}
