/**
 * Per-codec encoder settings (they become the codec sections of the settings schema).
 * Defaults follow BUTT: stream MP3 128 kbps, record MP3 192 kbps; the other codecs get
 * comparable defaults.
 */
import { z } from 'zod';

/** The constant bitrates LAME accepts (kbps); MPEG-2/2.5 rates are picked for 8..64. */
export const MP3_BITRATES = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
export type Mp3Bitrate = (typeof MP3_BITRATES)[number];

const mp3Bitrate = z
  .number()
  .int()
  .refine((kbps) => (MP3_BITRATES as readonly number[]).includes(kbps), {
    message: `MP3 bitrate must be one of ${MP3_BITRATES.join(', ')} kbps`,
  });

export const Mp3SettingsSchema = z.object({
  codec: z.literal('mp3'),
  /** cbr: constant bitrate; vbr: LAME -V quality; abr: average bitrate (see mp3-encoder.ts). */
  mode: z.enum(['cbr', 'vbr', 'abr']).default('cbr'),
  /** CBR bitrate, and the target of ABR. */
  bitrateKbps: mp3Bitrate.default(128),
  /** LAME VBR quality, 0 (best) .. 9.999 (smallest), used in VBR mode. */
  vbrQuality: z.number().min(0).lt(10).default(4),
});

export const VorbisSettingsSchema = z.object({
  codec: z.literal('vorbis'),
  /**
   * quality: -1..10 (oggenc -q); bitrate: libvorbis' managed average at this nominal bitrate
   * (system library), or the quality of that nominal rate (WebAssembly build, see vorbis-encoder.ts).
   */
  mode: z.enum(['quality', 'bitrate']).default('bitrate'),
  quality: z.number().min(-1).max(10).default(4),
  nominalBitrateKbps: z.number().int().min(32).max(500).default(128),
});

export const OpusSettingsSchema = z.object({
  codec: z.literal('opus'),
  bitrateKbps: z.number().int().min(6).max(510).default(96),
  /** 0 (fastest) .. 10 (best). */
  complexity: z.number().int().min(0).max(10).default(10),
  mode: z.enum(['vbr', 'cvbr', 'cbr']).default('vbr'),
  application: z.enum(['music', 'speech']).default('music'),
});

export const FlacSettingsSchema = z.object({
  codec: z.literal('flac'),
  bitDepth: z.union([z.literal(16), z.literal(24)]).default(16),
  /** libFLAC compression level 0..8. */
  compression: z.number().int().min(0).max(8).default(5),
});

export const OggFlacSettingsSchema = FlacSettingsSchema.extend({ codec: z.literal('ogg-flac') });

export const AacSettingsSchema = z.object({
  codec: z.literal('aac'),
  profile: z.enum(['lc', 'he', 'he-v2']).default('lc'),
  bitrateKbps: z.number().int().min(16).max(320).default(128),
});

export const EncoderSettingsSchema = z.discriminatedUnion('codec', [
  Mp3SettingsSchema,
  VorbisSettingsSchema,
  OpusSettingsSchema,
  FlacSettingsSchema,
  OggFlacSettingsSchema,
  AacSettingsSchema,
]);

export type Mp3Settings = z.infer<typeof Mp3SettingsSchema>;
export type VorbisSettings = z.infer<typeof VorbisSettingsSchema>;
export type OpusSettings = z.infer<typeof OpusSettingsSchema>;
export type FlacSettings = z.infer<typeof FlacSettingsSchema>;
export type OggFlacSettings = z.infer<typeof OggFlacSettingsSchema>;
export type AacSettings = z.infer<typeof AacSettingsSchema>;
export type EncoderSettings = z.infer<typeof EncoderSettingsSchema>;
/** The codecs this folder encodes (WAV is the recorder's own writer). */
export type EncodedCodec = EncoderSettings['codec'];

/** Settings sections for one path: one entry per codec, so switching codec keeps each one's choices. */
function codecSections(bitrates: { mp3: Mp3Bitrate; vorbis: number; opus: number; aac: number }) {
  return z.object({
    mp3: Mp3SettingsSchema.prefault({ codec: 'mp3', bitrateKbps: bitrates.mp3 }),
    vorbis: VorbisSettingsSchema.prefault({ codec: 'vorbis', nominalBitrateKbps: bitrates.vorbis }),
    opus: OpusSettingsSchema.prefault({ codec: 'opus', bitrateKbps: bitrates.opus }),
    flac: FlacSettingsSchema.prefault({ codec: 'flac' }),
    'ogg-flac': OggFlacSettingsSchema.prefault({ codec: 'ogg-flac' }),
    aac: AacSettingsSchema.prefault({ codec: 'aac', bitrateKbps: bitrates.aac }),
  });
}

/** BUTT: `[mp3_codec_stream]` 128 kbps. */
export const StreamCodecSectionsSchema = codecSections({ mp3: 128, vorbis: 128, opus: 96, aac: 96 });
/** BUTT: `[mp3_codec_rec]` 192 kbps. */
export const RecordCodecSectionsSchema = codecSections({ mp3: 192, vorbis: 192, opus: 128, aac: 192 });

export type CodecSections = z.infer<typeof StreamCodecSectionsSchema>;

export function defaultStreamCodecs(): CodecSections {
  return StreamCodecSectionsSchema.parse({});
}

export function defaultRecordCodecs(): CodecSections {
  return RecordCodecSectionsSchema.parse({});
}
