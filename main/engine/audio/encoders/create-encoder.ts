/**
 * The one way to get an encoder: settings (validated here) + the pipeline's format in, an
 * Encoder or an AppError out. The caller resamples to `encoder.inputFormat` (Opus: 48 kHz).
 */
import type { AudioFormat } from '../audio-format';
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../audio-format';
import type { Encoder } from '../encoder';
import { appError, isAppError, toAppError, AppErrorException, type AppError } from '../../../shared/errors';
import { aacUnavailable, createAac } from './aac-encoder';
import { EncoderSettingsSchema, type EncoderSettings } from './encoder-settings';
import { probeFfmpegAac } from './ffmpeg-probe';
import { createFlac } from './flac-encoder';
import { createMp3 } from './mp3-encoder';
import { createOpus, OPUS_RATE } from './opus-encoder';
import { createVorbis } from './vorbis-encoder';
import { encoderImplementationFromEnv, type EncoderImplementation } from '../../../../native/codecs/system-library';

export type EncoderResult = { ok: true; encoder: Encoder } | { ok: false; error: AppError };

/** The format an encoder for `settings` will ask for, given the pipeline's format. */
export function encoderInputFormat(settings: EncoderSettings, pipeline: AudioFormat): AudioFormat {
  return settings.codec === 'opus' ? { sampleRate: OPUS_RATE, channels: pipeline.channels } : pipeline;
}

/**
 * `implementation` picks the machine's codec library or the bundled WebAssembly build (MP3,
 * Vorbis, FLAC; Opus is WebAssembly and AAC is ffmpeg either way).
 */
export async function createEncoder(
  settings: unknown,
  inputFormat: AudioFormat,
  implementation: EncoderImplementation = encoderImplementationFromEnv(),
): Promise<EncoderResult> {
  const parsed = EncoderSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    return { ok: false, error: appError('ENCODER_SETTINGS_INVALID', 'The encoder settings are not valid', parsed.error.message) };
  }
  const s = parsed.data;
  const { sampleRate, channels } = inputFormat;
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    return { ok: false, error: appError('ENCODER_FORMAT_UNSUPPORTED', `Sample rate ${sampleRate} Hz is outside ${MIN_SAMPLE_RATE}..${MAX_SAMPLE_RATE} Hz`) };
  }
  const maxChannels = s.codec === 'flac' || s.codec === 'ogg-flac' ? 8 : 2;
  if (!Number.isInteger(channels) || channels < 1 || channels > maxChannels) {
    return { ok: false, error: appError('ENCODER_FORMAT_UNSUPPORTED', `${s.codec.toUpperCase()} encodes 1 to ${maxChannels} channels, not ${channels}`) };
  }
  if (s.codec === 'mp3' && ![8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000].includes(sampleRate)) {
    return { ok: false, error: appError('ENCODER_FORMAT_UNSUPPORTED', `MP3 cannot carry ${sampleRate} Hz; use 8..48 kHz (44.1 kHz is usual)`) };
  }
  try {
    switch (s.codec) {
      case 'mp3':
        return { ok: true, encoder: await createMp3(s, inputFormat, implementation) };
      case 'vorbis':
        return { ok: true, encoder: await createVorbis(s, inputFormat, implementation) };
      case 'opus':
        return { ok: true, encoder: await createOpus(s, encoderInputFormat(s, inputFormat)) };
      case 'flac':
      case 'ogg-flac':
        return { ok: true, encoder: await createFlac(s, inputFormat, implementation) };
      case 'aac': {
        const ffmpeg = await probeFfmpegAac();
        const missing = aacUnavailable(s, ffmpeg, channels);
        if (missing || !ffmpeg) return { ok: false, error: missing ?? appError('AAC_UNAVAILABLE', 'AAC is not available') };
        return { ok: true, encoder: createAac(s, ffmpeg, inputFormat) };
      }
    }
  } catch (error) {
    if (error instanceof AppErrorException) return { ok: false, error: error.error };
    if (isAppError(error)) return { ok: false, error };
    return { ok: false, error: toAppError(error, 'ENCODER_INIT_FAILED', `The ${s.codec} encoder could not be started`) };
  }
}
