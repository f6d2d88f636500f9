/**
 * The engine's streaming: one StreamManager for the source connections, and one title
 * updater per running server (Icecast /admin/metadata or Shoutcast admin.cgi, answers
 * checked). Titles for servers that start later are sent as soon as they connect.
 */
import type { AppError } from '../../shared/errors';
import type { ResourceRegistry } from '../resource-registry';
import type { AudioService } from '../audio/audio-service';
import { StreamManager } from './stream-manager';
import type { SenderState, SenderStats } from './stream-sender';
import type { ServerEntry, StreamInfo } from './server-settings';
import { TitleUpdater } from './metadata/title-updater';
import { sendIcecastTitle } from './metadata/icecast-title';
import { parseShoutcastPassword, sendShoutcastTitle } from './metadata/shoutcast-title';

export interface TitleOptions {
  prefix: string;
  suffix: string;
  delayMs: number;
}

export interface StreamServiceEvents {
  state(server: string, state: SenderState): void;
  title(server: string, title: string, result: { ok: true } | { ok: false; error: AppError }): void;
}

export class StreamService {
  private readonly manager: StreamManager;
  private readonly titles = new Map<string, TitleUpdater>();
  private lastTitle: string | undefined;
  private titleOptions: TitleOptions = { prefix: '', suffix: '', delayMs: 0 };

  constructor(
    private readonly audio: AudioService,
    registry: ResourceRegistry,
    private readonly events: StreamServiceEvents,
  ) {
    this.manager = new StreamManager({
      openEncoder: (settings, onChunks) => audio.openStreamEncoder(settings, onChunks),
      format: () => audio.format,
      registry,
      onState: (server, state) => {
        events.state(server, state);
        // A server that (re)connects gets the current title.
        if (state.state === 'connected' && this.lastTitle !== undefined) this.titles.get(server)?.submit(this.lastTitle);
      },
    });
    registry.register({ kind: 'timer', stage: 'timers', label: 'title updaters' }, async () => {
      for (const updater of this.titles.values()) updater.stop();
    });
  }

  async start(server: ServerEntry, info?: StreamInfo): Promise<AppError | undefined> {
    const error = await this.manager.start(server, info);
    if (error) return error;
    this.titles.set(server.name, new TitleUpdater({
      send: titleSender(server),
      ...this.titleOptions,
      onResult: (title, result) => this.events.title(server.name, title, result),
    }));
    return undefined;
  }

  async stop(name: string): Promise<void> {
    this.titles.get(name)?.stop();
    this.titles.delete(name);
    await this.manager.stop(name);
  }

  async stopAll(): Promise<void> {
    for (const updater of this.titles.values()) updater.stop();
    this.titles.clear();
    await this.manager.stopAll();
  }

  setTitle(title: string, options: TitleOptions): void {
    this.lastTitle = title;
    this.titleOptions = options;
    // Ogg listeners read the title from the stream itself; prefix/suffix apply there too.
    this.audio.setStreamTitle(`${options.prefix}${title}${options.suffix}`);
    for (const updater of this.titles.values()) {
      updater.setAffixes(options.prefix, options.suffix);
      updater.setDelay(options.delayMs);
      updater.submit(title);
    }
  }

  stats(): Record<string, SenderStats> {
    return this.manager.stats();
  }
}

function titleSender(server: ServerEntry): (title: string, signal: AbortSignal) => ReturnType<typeof sendIcecastTitle> {
  if (server.type === 'shoutcast') {
    const { password, sid } = parseShoutcastPassword(server.password);
    return (title, signal) => sendShoutcastTitle({ host: server.address, port: server.port, password, ...(sid !== undefined ? { sid } : {}) }, title, { signal });
  }
  return (title, signal) =>
    sendIcecastTitle({ host: server.address, port: server.port, tls: server.tls, mount: server.mount, user: server.user, password: server.password }, title, { signal });
}
