/**
 * The event API (docs/EVENT-API.md) over this host: every state change pushed, every command
 * available, for the headless web UI and external tools (a Companion / Stream Deck module).
 */
import { version } from '../../package.json';
import type { Host } from './host';
import type { HostStreams } from './host-streams';
import { startEventApi, type EventApiServer } from './event-api/event-api-server';
import type { EventApiHost } from './event-api/event-api-host';
import type { ApiCommand } from './event-api/protocol';
import { loadOrCreateToken } from './event-api/api-token';
import { exportButtrc } from '../settings/buttrc/butt-export';
import type { SecretStore } from '../settings/secrets/secret-store';
import type { EngineEventData } from '../protocol/engine-protocol';

/** Engine events passed through under their own names (meters become `audio.levels`). */
const PASSED_THROUGH = new Set(['audio.source', 'audio.signal', 'recorder.status', 'stream.state', 'stream.title', 'aes67.clock']);

export function eventApiHost(host: Host, streams: () => HostStreams | undefined, secrets: () => SecretStore): EventApiHost {
  const listeners = new Set<(name: string, data: unknown) => void>();
  const emit = (name: string, data: unknown): void => {
    for (const listener of listeners) listener(name, data);
  };
  const lastStreamState = new Map<string, unknown>();

  host.addSink({
    name: 'event API',
    log: (entry) => emit('log', entry),
    engineState: (state) => emit('engine.state', state),
    shutdownStarted: (trigger) => emit('shutdown.started', { trigger }),
    shutdownProgress: (progress) => emit('shutdown.progress', progress),
  });
  host.engine.onEvent((event, data) => {
    if (event === 'audio.meters') emit('audio.levels', (data as EngineEventData<'audio.meters'>).input);
    else if (PASSED_THROUGH.has(event)) {
      if (event === 'stream.state') {
        const update = data as EngineEventData<'stream.state'>;
        lastStreamState.set(update.server, update.state);
      }
      emit(event, data);
    }
  });
  host.status.onChange((status) => emit('status', status));

  const snapshot = (): unknown => ({
    engine: host.state,
    status: host.status.get(),
    streams: Object.fromEntries(lastStreamState),
    servers: host.settings.get().stream.servers.map((s) => s.name),
    log: host.log.entries().slice(-50),
  });

  return {
    snapshot,
    on: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    command: async (command: ApiCommand) => {
      switch (command.name) {
        case 'connect': {
          const s = streams();
          if (!s) throw { code: 'NOT_READY', message: 'Airtight is still starting.' };
          await s.connect(command.params.server);
          return { connecting: true };
        }
        case 'disconnect':
          await streams()?.disconnect();
          return { disconnected: true };
        case 'record.start':
          return host.engine.request('recorder.start', {});
        case 'record.stop':
          return host.engine.request('recorder.stop', {});
        case 'record.split':
          return host.engine.request('recorder.split', {});
        case 'title.set':
          host.status.update({ song: command.params.title });
          streams()?.setTitle(command.params.title);
          return { submitted: true };
        case 'threshold.set':
          if (!host.automation) throw { code: 'NOT_READY', message: 'Airtight is still starting.' };
          host.automation.setThreshold(command.params.kind, command.params.seconds);
          return { set: true };
        case 'status.get':
          return snapshot();
        case 'settings.exportButtrc': {
          // BUTT keeps passwords in its file; the export carries them, as BUTT needs.
          const exported = exportButtrc(host.settings.get(), (ref) => secrets().get(ref));
          if (!exported.ok) throw exported.error;
          return { text: exported.text, warnings: exported.warnings };
        }
        case 'quit':
          setImmediate(() => void host.quit('event-api'));
          return { quitting: true };
        default:
          throw { code: 'FEATURE_NOT_AVAILABLE', message: `"${command.name}" is not available in this build yet.` };
      }
    },
  };
}

export async function startHostEventApi(
  host: Host,
  options: { port: number; uiPort?: number },
  streams: () => HostStreams | undefined,
  secrets: () => SecretStore,
): Promise<EventApiServer | undefined> {
  const token = loadOrCreateToken(host.paths.dir);
  for (const note of token.notes) host.log.warn(note.message, note);
  const started = await startEventApi({
    host: eventApiHost(host, streams, secrets),
    token: token.token,
    appVersion: version,
    port: options.port,
    allowedOrigins: options.uiPort ? [`http://127.0.0.1:${options.uiPort}`, `http://localhost:${options.uiPort}`] : [],
    log: host.log,
  });
  if (!started.ok) {
    host.log.error(started.error.message, started.error);
    return undefined;
  }
  return started.server;
}
