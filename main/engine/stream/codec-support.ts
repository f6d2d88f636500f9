/**
 * Which codecs a server type can carry. Checked before connecting, so an operator learns
 * why at once instead of watching listeners fail to decode.
 */
import { appError, type AppError } from '../../shared/errors';
import type { EncodedCodec } from '../audio/encoders/encoder-settings';
import type { ServerType } from './server-settings';

const CODEC_NAMES: Record<EncodedCodec, string> = {
  mp3: 'MP3',
  vorbis: 'Ogg Vorbis',
  opus: 'Ogg Opus',
  flac: 'FLAC',
  'ogg-flac': 'Ogg FLAC',
  aac: 'AAC',
};

/** Shoutcast (v1 and v2 in its v1 source mode) relays MPEG audio only. */
const SHOUTCAST_CODECS: readonly EncodedCodec[] = ['mp3', 'aac'];

export function codecName(codec: EncodedCodec): string {
  return CODEC_NAMES[codec];
}

/** undefined when `type` carries `codec`, else the reason it cannot. */
export function codecRefusal(type: ServerType, codec: EncodedCodec): AppError | undefined {
  if (type === 'shoutcast' && !SHOUTCAST_CODECS.includes(codec)) {
    return appError(
      'STREAM_CODEC_UNSUPPORTED',
      `A Shoutcast server cannot carry ${CODEC_NAMES[codec]}: it relays MP3 and AAC only. Choose MP3 or AAC for this server, or use Icecast.`,
    );
  }
  return undefined;
}
