/**
 * `record.previewName`: the file a recording started now would get, from the recorder's own
 * file-name module (tokens, ~, %i resolved against the disk), so the settings screen shows
 * exactly what the recorder will use.
 */
import { previewRecordingPath } from '../../engine/recorder/file-name';
import type { Settings } from '../../settings/settings-schema';
import type { RECORD_CODECS } from '../../settings/audio-settings-schema';

/** The extension each record codec writes (the encoders' `extension`, main/engine/audio/encoders). */
const EXTENSIONS: Record<(typeof RECORD_CODECS)[number], string> = {
  mp3: 'mp3',
  vorbis: 'ogg',
  opus: 'opus',
  flac: 'flac',
  wav: 'wav',
  aac: 'aac',
};

export function previewRecordName(settings: Settings, folder: string, template: string, now = new Date()): { path: string } {
  const named = previewRecordingPath(
    { folder, fileName: template },
    // No server name: the engine's record job does not pass one either, and the preview must match.
    { date: now, extension: EXTENSIONS[settings.audio.record.codec] },
  );
  if (!named.ok) throw named.error;
  return { path: named.path };
}
