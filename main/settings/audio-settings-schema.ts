/**
 * The audio sections of the settings: input, DSP, and the recorder. The engine protocol
 * takes these same objects, so the file on disk and the engine never disagree on a field.
 */
import { z } from 'zod';
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../engine/audio/audio-format';
import { RecordCodecSectionsSchema, StreamCodecSectionsSchema } from '../engine/audio/encoders/encoder-settings';
import { dspSettingsSchema } from '../engine/audio/dsp/dsp-settings';

const sampleRate = z.number().int().min(MIN_SAMPLE_RATE).max(MAX_SAMPLE_RATE);

const ChannelMapSchema = z.object({
  /** Input channel (0-based) feeding Left, and Right. */
  left: z.number().int().min(0).default(0),
  right: z.number().int().min(0).default(1),
  /** One channel out: (L+R)/2. */
  mono: z.boolean().default(false),
});

export const InputSettingsSchema = z.object({
  /** BUTT captures a device; tone and silence let Airtight run with no device at all. */
  source: z.enum(['device', 'tone', 'silence']).default('device'),
  sampleRate: sampleRate.default(44100),
  channelMap: ChannelMapSchema.prefault({}),
  /** Remembered by name (BUTT's dev_remember); absent: the system default. */
  deviceName: z.string().optional(),
  secondary: z
    .object({ deviceName: z.string().optional(), sampleRate: sampleRate.default(44100), channelMap: ChannelMapSchema.prefault({}) })
    .nullable()
    .default(null),
  /** 0 = only the primary, 1 = only the secondary. */
  crossfade: z.number().min(0).max(1).default(0.5),
  toneLevelDbfs: z.number().min(-60).max(0).default(-18),
  /** What runs when no device opens. */
  fallback: z.enum(['tone', 'silence']).default('tone'),
  /** Capture buffer (BUTT's [audio] buffer_ms). */
  bufferMs: z.number().int().min(5).max(2000).default(50),
});
export type InputSettingsConfig = z.infer<typeof InputSettingsSchema>;

export const RECORD_CODECS = ['mp3', 'vorbis', 'opus', 'flac', 'wav', 'aac'] as const;

export const RecordSettingsSchema = z.object({
  codec: z.enum(RECORD_CODECS).default('mp3'),
  codecs: RecordCodecSectionsSchema.prefault({}),
  wav: z.object({ sampleFormat: z.enum(['int16', 'int24', 'int32', 'float32']).default('int16') }).prefault({}),
  /** Folder and file name may hold strftime tokens, %N and %i (BUTT's [record] folder/filename). */
  folder: z.string().min(1).default('~'),
  fileName: z.string().min(1).default('rec_%Y%m%d-%H%M%S.mp3'),
  existingFile: z.enum(['overwrite', 'append', 'new-index']).default('new-index'),
  /** Minutes per part; 0: no split. Fractions allowed (tests, short drills). */
  splitMinutes: z.number().min(0).default(0),
  syncToHour: z.boolean().default(false),
});
export type RecordSettings = z.infer<typeof RecordSettingsSchema>;

/** Levels that count as signal and as silence (BUTT's signal_level/silence_level, stored there as positive -dBFS). */
export const SignalDetectionLevelsSchema = z.object({
  presentLevelDb: z.number().min(-90).max(0).default(-50),
  absentLevelDb: z.number().min(-90).max(0).default(-50),
});

export const AudioSettingsSchema = z.object({
  input: InputSettingsSchema.prefault({}),
  signalDetection: SignalDetectionLevelsSchema.prefault({}),
  dsp: dspSettingsSchema.prefault({}),
  streamCodecs: StreamCodecSectionsSchema.prefault({}),
  record: RecordSettingsSchema.prefault({}),
});
export type AudioSettings = z.infer<typeof AudioSettingsSchema>;
