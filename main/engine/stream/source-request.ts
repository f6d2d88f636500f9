/**
 * The bytes a source sends to start a stream: Icecast PUT (HTTP/1.1 with Expect: 100-continue,
 * as BUTT 0.1.37 sends it), the legacy SOURCE request, and the Shoutcast v1 password line and
 * icy- headers. Header values are cleaned of control characters so no field can inject a line.
 */
import type { AudioFormat } from '../audio/audio-format';
import type { EncoderSettings } from '../audio/encoders/encoder-settings';
import { mountPath, type ServerEntry, type StreamInfo } from './server-settings';

export const USER_AGENT = 'Airtight/0.1';

export interface SourceDescription {
  entry: ServerEntry;
  info: StreamInfo;
  /** The encoder's MIME type (Content-Type). */
  mimeType: string;
  /** The pipeline's format, for ice-audio-info. */
  format?: AudioFormat;
}

/** Nominal kbps of a codec setting, when it has one. */
export function nominalBitrateKbps(codec: EncoderSettings): number | undefined {
  switch (codec.codec) {
    case 'mp3':
      return codec.mode === 'vbr' ? undefined : codec.bitrateKbps;
    case 'vorbis':
      return codec.mode === 'bitrate' ? codec.nominalBitrateKbps : undefined;
    case 'opus':
    case 'aac':
      return codec.bitrateKbps;
    default:
      return undefined;
  }
}

function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}

function authorization(entry: ServerEntry): string {
  return `Basic ${Buffer.from(`${entry.user}:${entry.password}`, 'utf8').toString('base64')}`;
}

function hostHeader(entry: ServerEntry): string {
  const host = entry.address.includes(':') && !entry.address.startsWith('[') ? `[${entry.address}]` : entry.address;
  return `${host}:${entry.port}`;
}

function audioInfo(source: SourceDescription): string | undefined {
  const parts: string[] = [];
  const kbps = nominalBitrateKbps(source.entry.codec);
  if (kbps !== undefined) parts.push(`ice-bitrate=${kbps}`);
  if (source.format) parts.push(`ice-channels=${source.format.channels}`, `ice-samplerate=${source.format.sampleRate}`);
  return parts.length > 0 ? parts.join(';') : undefined;
}

function iceHeaders(source: SourceDescription): [string, string][] {
  const { info } = source;
  const headers: [string, string][] = [];
  if (info.name) headers.push(['ice-name', info.name]);
  headers.push(['ice-public', info.public ? '1' : '0']);
  if (info.url) headers.push(['ice-url', info.url]);
  if (info.genre) headers.push(['ice-genre', info.genre]);
  if (info.description) headers.push(['ice-description', info.description]);
  if (info.irc) headers.push(['ice-irc', info.irc]);
  if (info.icq) headers.push(['ice-icq', info.icq]);
  if (info.aim) headers.push(['ice-aim', info.aim]);
  const audio = audioInfo(source);
  if (audio) headers.push(['ice-audio-info', audio]);
  return headers;
}

function lines(first: string, headers: [string, string][]): Buffer {
  const text = [first, ...headers.map(([k, v]) => `${k}: ${clean(v)}`), '', ''].join('\r\n');
  return Buffer.from(text, 'utf8');
}

/** `PUT /mount HTTP/1.1` with Expect: 100-continue (Icecast >= 2.4). */
export function icecastPutRequest(source: SourceDescription): Buffer {
  const { entry } = source;
  return lines(`PUT ${encodeMount(entry.mount)} HTTP/1.1`, [
    ['Authorization', authorization(entry)],
    ['Host', hostHeader(entry)],
    ['User-Agent', USER_AGENT],
    ['Content-Type', source.mimeType],
    ...iceHeaders(source),
    ['Expect', '100-continue'],
  ]);
}

/** The legacy `SOURCE /mount HTTP/1.0` (Icecast < 2.4, Liquidsoap, many hosted panels). */
export function icecastSourceRequest(source: SourceDescription): Buffer {
  const { entry } = source;
  return lines(`SOURCE ${encodeMount(entry.mount)} HTTP/1.0`, [
    ['Authorization', authorization(entry)],
    ['Host', hostHeader(entry)],
    ['User-Agent', USER_AGENT],
    ['Content-Type', source.mimeType],
    ...iceHeaders(source),
  ]);
}

/** Shoutcast v1: the password line alone; the icy- headers follow the server's OK. */
export function shoutcastPasswordLine(entry: ServerEntry): Buffer {
  return Buffer.from(`${clean(entry.password)}\r\n`, 'utf8');
}

export function shoutcastHeaders(source: SourceDescription): Buffer {
  const { info } = source;
  const kbps = nominalBitrateKbps(source.entry.codec);
  const headers: [string, string][] = [
    ['icy-name', info.name],
    ['icy-genre', info.genre],
    ['icy-url', info.url],
    ['icy-pub', info.public ? '1' : '0'],
    ...(kbps !== undefined ? ([['icy-br', String(kbps)]] as [string, string][]) : []),
    ...(info.irc ? ([['icy-irc', info.irc]] as [string, string][]) : []),
    ...(info.icq ? ([['icy-icq', info.icq]] as [string, string][]) : []),
    ...(info.aim ? ([['icy-aim', info.aim]] as [string, string][]) : []),
    ['content-type', source.mimeType],
  ];
  const text = [...headers.map(([k, v]) => `${k}:${clean(v)}`), '', ''].join('\r\n');
  return Buffer.from(text, 'utf8');
}

/** Percent-encodes what a request line cannot carry, keeping the slashes of the mount. */
function encodeMount(mount: string): string {
  return mountPath(mount)
    .split('/')
    .map((part) => encodeURIComponent(decodeURIComponentSafe(part)))
    .join('/');
}

function decodeURIComponentSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
