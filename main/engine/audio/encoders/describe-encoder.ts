/**
 * One short phrase per encoder setting and the operator-log lines that say which library encodes
 * (e.g. "Stream encoder MP3 128 kbps: libmp3lame.so.0 (LAME 3.100, system library)").
 */
import type { AppError } from '../../../shared/errors';
import { appError } from '../../../shared/errors';
import type { Encoder } from '../encoder';
import type { EncoderSettings } from './encoder-settings';

export function describeEncoderSettings(s: EncoderSettings): string {
  switch (s.codec) {
    case 'mp3':
      if (s.mode === 'vbr') return `MP3 VBR V${s.vbrQuality}`;
      return `MP3 ${s.mode === 'abr' ? 'ABR ' : ''}${s.bitrateKbps} kbps`;
    case 'vorbis':
      return s.mode === 'quality' ? `Vorbis q${s.quality}` : `Vorbis ${s.nominalBitrateKbps} kbps`;
    case 'opus':
      return `Opus ${s.bitrateKbps} kbps`;
    case 'flac':
      return `FLAC ${s.bitDepth}-bit`;
    case 'ogg-flac':
      return `Ogg FLAC ${s.bitDepth}-bit`;
    case 'aac':
      return `AAC ${s.profile.toUpperCase()} ${s.bitrateKbps} kbps`;
  }
}

/** What an encoder reports when it starts (the stream and recording threads send it over). */
export interface EncoderStarted {
  implementation: string;
  /** Why 'auto' fell back from the machine's library to WebAssembly. */
  fallback?: string;
}

export function encoderStarted(encoder: Encoder): EncoderStarted {
  return { implementation: encoder.implementation, ...(encoder.fallback ? { fallback: encoder.fallback } : {}) };
}

export interface EncoderLogLine {
  level: 'info' | 'warn';
  message: string;
  error?: AppError;
}

/** The information line, plus a warning when the machine's library could not be used. */
export function encoderStartLines(role: 'Stream' | 'Recording', description: string, started: EncoderStarted): EncoderLogLine[] {
  const what = `${role} encoder ${description}`;
  const lines: EncoderLogLine[] = [{ level: 'info', message: `${what}: ${started.implementation}` }];
  if (started.fallback) {
    const error = appError('ENCODER_FALLBACK', `${what} runs as WebAssembly (slower): the system library could not be used`, started.fallback);
    lines.push({ level: 'warn', message: error.message, error });
  }
  return lines;
}
