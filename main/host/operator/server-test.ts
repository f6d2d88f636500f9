/**
 * "Test connection" for a saved server: one source handshake with the stream client's own
 * code (openSource: the same request, answers and error codes as a real connect), then the
 * socket is closed before any audio is sent. Runs in the host: it only needs a socket, and a
 * test must work while the engine is busy or restarting.
 */
import { openSource } from '../../engine/stream/source-handshake';
import type { EncodedCodec } from '../../engine/audio/encoders/encoder-settings';
import { toServerEntry, type ServerSettings } from '../../settings/server-settings-schema';
import type { Settings } from '../../settings/settings-schema';
import type { SecretStore } from '../../settings/secrets/secret-store';
import { appError } from '../../shared/errors';
import type { ServerTestResult } from '../../protocol/operator-api';

/** What the server is told it will get (the encoders' own MIME types, main/engine/audio/encoders). */
const MIME_TYPES: Record<EncodedCodec, string> = {
  mp3: 'audio/mpeg',
  vorbis: 'audio/ogg',
  opus: 'audio/ogg',
  flac: 'audio/flac',
  'ogg-flac': 'audio/ogg',
  aac: 'audio/aac',
};

/**
 * Connect + TLS, then the answer: short, an operator is waiting on a button, and the whole
 * test must end inside the event API's 5 s command deadline.
 */
const CONNECT_TIMEOUT_MS = 2000;
const ANSWER_TIMEOUT_MS = 2500;

const SUCCESS = 'Connected and authorised: the server would accept this stream.';

export async function testServer(settings: Settings, secrets: SecretStore, name: string, signal?: AbortSignal): Promise<ServerTestResult> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  const server: ServerSettings | undefined = settings.stream.servers.find((s) => s.name === name);
  if (!server) throw appError('STREAM_NO_SERVER', `No server named "${name}" in the settings.`);
  const entry = toServerEntry(server, (ref) => secrets.get(ref));
  if (!entry) {
    const why = server.type === 'unsupported' ? 'its type is not supported by Airtight' : 'it has no password set (set one first)';
    return { ok: false, code: 'STREAM_SERVER_UNUSABLE', message: `"${name}" cannot be tested: ${why}.`, ms: ms() };
  }
  const info = settings.stream.streamInfos.find((i) => i.name === (entry.streamInfo || settings.stream.selectedStreamInfo)) ?? {
    name: '', description: '', genre: '', url: '', public: false, irc: '', icq: '', aim: '',
  };
  const result = await openSource({
    entry,
    info,
    mimeType: MIME_TYPES[entry.codec.codec],
    signal: signal ?? AbortSignal.timeout(CONNECT_TIMEOUT_MS + ANSWER_TIMEOUT_MS + 300),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    answerTimeoutMs: ANSWER_TIMEOUT_MS,
  });
  if (result.ok) {
    // Accepted: hang up before any audio, so the mount is free again at once.
    result.socket.destroy();
    return { ok: true, message: SUCCESS, ms: ms() };
  }
  if ('aborted' in result) return { ok: false, code: 'STREAM_TIMEOUT', message: `"${name}" did not answer in time.`, ms: ms() };
  return { ok: false, code: result.failure.error.code, message: result.failure.error.message, ms: ms() };
}
