/**
 * Which encoder a recording uses: WAV is the recorder's own writer, every other codec comes
 * from the encoders folder. Also says what format that encoder wants (Opus: 48 kHz).
 */
import type { AudioFormat } from '../audio/audio-format';
import type { Encoder } from '../audio/encoder';
import { createEncoder, encoderInputFormat } from '../audio/encoders/create-encoder';
import { AppErrorException } from '../../shared/errors';
import type { RecordSettings } from '../../settings/audio-settings-schema';
import { WavEncoder } from './wav-encoder';

export interface RecordEncoderFactory {
  inputFormat: AudioFormat;
  create(): Promise<Encoder>;
}

export function recordEncoderFactory(settings: RecordSettings, format: AudioFormat): RecordEncoderFactory {
  if (settings.codec === 'wav') {
    return { inputFormat: format, create: async () => new WavEncoder({ format, sampleFormat: settings.wav.sampleFormat }) };
  }
  const codecSettings = settings.codecs[settings.codec];
  return {
    inputFormat: encoderInputFormat(codecSettings, format),
    create: async () => {
      const result = await createEncoder(codecSettings, format);
      if (!result.ok) throw new AppErrorException(result.error);
      return result.encoder;
    },
  };
}
