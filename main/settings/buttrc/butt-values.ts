/** Value conversions between BUTT's file and Airtight's settings, shared by import and export. */
import type { StreamCodec } from '../server-settings-schema';
import type { RECORD_CODECS } from '../audio-settings-schema';

export type RecordCodec = (typeof RECORD_CODECS)[number];

/** BUTT's [audio] codec names. Its streamed FLAC is Ogg FLAC (BUTT 0.1.30+). */
export const BUTT_STREAM_CODECS: Record<string, StreamCodec> = { mp3: 'mp3', ogg: 'vorbis', opus: 'opus', aac: 'aac', flac: 'ogg-flac' };
export const BUTT_RECORD_CODECS: Record<string, RecordCodec> = { mp3: 'mp3', ogg: 'vorbis', opus: 'opus', aac: 'aac', flac: 'flac', wav: 'wav' };

export function streamCodecToButt(codec: StreamCodec): string {
  if (codec === 'vorbis') return 'ogg';
  if (codec === 'ogg-flac') return 'flac';
  return codec;
}

export function recordCodecToButt(codec: RecordCodec): string {
  return codec === 'vorbis' ? 'ogg' : codec;
}

/** BUTT's server types. */
export const BUTT_TYPE = { shoutcast: 0, icecast: 1, radioCo: 2, webRtc: 3 } as const;

/** dB kept to 0.001: linear -> dB -> linear (6 decimals, BUTT's %f) -> dB is then stable. */
export function linearToDbRounded(linear: number): number {
  return Math.round(20 * Math.log10(linear) * 1000) / 1000;
}

export function dbToLinearText(db: number): string {
  return (10 ** (db / 20)).toFixed(6);
}

/** BUTT writes floats with %f; keep more digits when 6 would change the value. */
export function formatFloat(value: number): string {
  const fixed = value.toFixed(6);
  return Number(fixed) === value ? fixed : String(value);
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : formatFloat(value);
}

export function flag(value: boolean): string {
  return value ? '1' : '0';
}

/** Keys whose values are credentials: never stored in settings.json. */
export function looksSecret(key: string): boolean {
  return /(^|[_-])(pass(word)?|pwd|secret|token|auth)([_-]|$)/i.test(key);
}

/** BUTT turns spaces into %20 only in song_prefix and song_suffix. */
export function decodeSpaces(value: string): string {
  return value.replaceAll('%20', ' ');
}

export function encodeSpaces(value: string): string {
  return value.replaceAll(' ', '%20');
}
