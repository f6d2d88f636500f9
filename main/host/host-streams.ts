/**
 * Connect / disconnect / title, as the operator (or the command server) asks: picks the
 * servers from the settings, resolves their passwords from the secret store, and asks the
 * engine to stream. Also keeps the live status's stream figures current.
 */
import type { SecretStore } from '../settings/secrets/secret-store';
import { toServerEntry } from '../settings/server-settings-schema';
import type { SettingsStore } from '../settings/settings-store';
import type { EngineSupervisor } from '../engine-host/engine-supervisor';
import type { OperatorLog } from '../shared/operator-log';
import { appError, toAppError, type AppError } from '../shared/errors';
import type { LiveStatus } from './live-status';
import type { StreamControl } from './host-control';
import { TitleFileSource } from '../engine/stream/metadata/title-file-source';
import { TitleUrlSource } from '../engine/stream/metadata/title-url-source';
import { ListenerPoller } from '../engine/stream/metadata/listener-poller';
import type { ListenerSource } from '../engine/stream/metadata/listener-count';
import type { ServerSettings, StreamSettings } from '../settings/server-settings-schema';
import type { EngineResult } from '../protocol/engine-protocol';

/** How often the stream byte counters are read while streaming (BUTT's status has kB sent). */
const STATS_INTERVAL_MS = 1000;

export class HostStreams implements StreamControl {
  private readonly running = new Set<string>();
  private readonly connected = new Map<string, number>();
  private statsTimer: NodeJS.Timeout | undefined;
  private frozen = false;
  private readonly titleSources: { stop(): void }[] = [];
  /** Servers already told that their titles travel only inside the Ogg stream. */
  private readonly toldInStreamOnly = new Set<string>();
  private listeners: ListenerPoller | undefined;
  private readonly statsListeners: ((stats: EngineResult<'stream.stats'>) => void)[] = [];

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly settings: SettingsStore,
    private readonly secrets: SecretStore,
    private readonly status: LiveStatus,
    private readonly log: OperatorLog,
  ) {
    engine.onEvent((event, data) => {
      if (event === 'stream.state') this.onState(data as { server: string; state: { state: string; error?: { code: string; message: string }; since?: string } });
      if (event === 'stream.title') {
        const t = data as { server: string; title: string; ok: boolean; error?: { code: string; message: string } };
        if (t.ok || !t.error) return;
        // Icecast 2.4 keeps Ogg titles in the stream only: said once per server, not per title.
        if (t.error.code === 'TITLE_IN_STREAM_ONLY') {
          if (!this.toldInStreamOnly.has(t.server)) this.log.info(`${t.server}: ${t.error.message}.`);
          this.toldInStreamOnly.add(t.server);
          return;
        }
        this.log.warn(`Title "${t.title}" not accepted by ${t.server}: ${t.error.message}`, t.error);
      }
    });
    this.startTitleSources();
  }

  /** BUTT's song_path (first or last line) and song_update_url: each change becomes the title. */
  private startTitleSources(): void {
    const song = this.settings.get().song;
    const onTitle = (title: string): void => {
      this.status.update({ song: title });
      this.setTitle(title);
    };
    const onWarning = (warning: { code: string; message: string }): void => this.log.warn(warning.message, warning);
    if (song.updateFromFile && song.filePath) {
      const source = new TitleFileSource({ path: song.filePath, pick: song.readLastLine ? 'last' : 'first', onTitle, onWarning });
      source.start();
      this.titleSources.push(source);
    }
    if (song.updateFromUrl && song.url) {
      const source = new TitleUrlSource({ url: song.url, intervalMs: song.urlIntervalSeconds * 1000, onTitle, onWarning });
      source.start();
      this.titleSources.push(source);
    }
  }

  /** Listener counts of the servers we stream to, summed (BUTT shows one number). */
  private restartListenerPoller(): void {
    this.listeners?.stop();
    this.listeners = undefined;
    const servers = this.settings.get().stream.servers.filter((s) => this.running.has(s.name));
    const sources = servers.map(listenerSource).filter((source) => source !== undefined);
    if (sources.length === 0) return;
    this.listeners = new ListenerPoller({
      sources,
      onCount: (count) => this.status.update({ listeners: count ?? -1 }),
    });
    this.listeners.start();
  }

  /**
   * Connect the named server, or the selected one, or (none selected) every server. Every
   * problem is logged; the first one is also thrown so a remote caller learns of it.
   */
  async connect(serverName?: string): Promise<void> {
    const problems = await this.startServers(serverName);
    if (problems[0]) throw problems[0];
  }

  private async startServers(serverName?: string): Promise<AppError[]> {
    const problems: AppError[] = [];
    if (this.frozen) return [appError('SHUTTING_DOWN', 'Airtight is shutting down.')];
    const stream = this.settings.get().stream;
    const chosen = serverName
      ? stream.servers.filter((s) => s.name === serverName)
      : stream.selectedServer
        ? stream.servers.filter((s) => s.name === stream.selectedServer)
        : stream.servers;
    if (chosen.length === 0) {
      const message = serverName ? `No server named "${serverName}" in the settings.` : 'No server is configured: add one in the settings (or start with -c <config>).';
      const error = appError('STREAM_NO_SERVER', message);
      this.log.warn(message, error);
      return [error];
    }
    for (const server of chosen) {
      if (this.running.has(server.name)) continue;
      const entry = toServerEntry(server, (ref) => this.secrets.get(ref));
      if (!entry) {
        const message = `Server "${server.name}" cannot stream: ${server.type === 'unsupported' ? 'its type is not supported' : 'its password is missing from the secret store'}.`;
        const error = appError('STREAM_SERVER_UNUSABLE', message);
        this.log.error(message, error);
        problems.push(error);
        continue;
      }
      const info = stream.streamInfos.find((i) => i.name === (entry.streamInfo || stream.selectedStreamInfo));
      try {
        await this.engine.request('stream.start', { server: entry, ...(info ? { info } : {}) });
        this.running.add(server.name);
        this.log.info(`Connecting to ${server.name} (${entry.address}:${entry.port}${entry.type === 'icecast' ? `/${entry.mount.replace(/^\//, '')}` : ''}).`);
      } catch (error) {
        const appErr = toAppError(error, 'STREAM_START_FAILED', `Could not start streaming to ${server.name}`);
        this.log.error(`${server.name}: ${appErr.message}`, appErr);
        problems.push(appErr);
      }
    }
    this.status.update({ connecting: this.running.size > this.connected.size });
    this.statsTimer ??= setInterval(() => void this.readStats(), STATS_INTERVAL_MS);
    this.restartListenerPoller();
    return problems;
  }

  async disconnect(): Promise<void> {
    this.listeners?.stop();
    this.listeners = undefined;
    this.running.clear();
    this.connected.clear();
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    await this.engine.request('stream.stopAll', {});
    this.status.update({ connected: false, connecting: false, listeners: -1 });
    this.log.info('Disconnected.');
  }

  setTitle(title: string): void {
    const song = this.settings.get().song;
    this.engine
      .request('stream.setTitle', { title, prefix: song.prefix, suffix: song.suffix, delayMs: Math.min(20_000, song.delaySeconds * 1000) })
      .catch((error: unknown) => this.log.error('Title update failed', toAppError(error, 'TITLE_FAILED', 'Title update failed')));
  }

  /**
   * After a settings change while on air: the servers we stream to whose entry changed (or
   * everything they share: codec, stream infos) are reconnected with the new settings; a
   * server removed from the list is stopped. Servers whose settings did not change are not
   * touched. Returns what happened, for the operator.
   */
  async applyStreamSettings(before: StreamSettings, after: StreamSettings): Promise<string[]> {
    if (this.running.size === 0) return [];
    const shared = (s: StreamSettings): string => JSON.stringify([s.codec, s.streamInfos, s.selectedStreamInfo]);
    const sharedChanged = shared(before) !== shared(after);
    const entry = (s: StreamSettings, name: string): string | undefined => {
      const server = s.servers.find((x) => x.name === name);
      return server ? JSON.stringify(server) : undefined;
    };
    const touched = [...this.running].filter((name) => sharedChanged || entry(before, name) !== entry(after, name));
    const notes: string[] = [];
    for (const name of touched) {
      await this.engine.request('stream.stop', { name }).catch(() => undefined);
      this.running.delete(name);
      this.connected.delete(name);
      if (entry(after, name) === undefined) {
        notes.push(`${name} stopped (removed)`);
        continue;
      }
      const problems = await this.startServers(name);
      notes.push(problems[0] ? `${name} could not reconnect: ${problems[0].message}` : `${name} reconnected`);
    }
    this.status.update({ connected: this.connected.size > 0, connecting: this.running.size > this.connected.size });
    return notes;
  }

  /**
   * The engine died: its senders died with it. Forgets them (the status says off air) and
   * returns the servers that were streaming, for resume() once the engine is back.
   */
  engineGone(): string[] {
    const was = [...this.running];
    this.running.clear();
    this.connected.clear();
    this.status.update({ connected: false, connecting: false, streamSeconds: 0, streamKBytes: 0 });
    return was;
  }

  /** The restarted engine: the servers that were streaming connect again (problems are logged). */
  async resume(names: string[]): Promise<void> {
    for (const name of names) await this.startServers(name);
    if (names.length > 0) this.log.info(`Streaming resumed after the engine restart: ${names.join(', ')}.`);
  }

  /** Any server started and not yet stopped or failed for good (connected, connecting or retrying). */
  get active(): boolean {
    return this.running.size > 0;
  }

  /** Per-server stats, each time they are read (~1 Hz while connected). */
  onStats(listener: (stats: EngineResult<'stream.stats'>) => void): void {
    this.statsListeners.push(listener);
  }

  /** Shutdown, freeze-inputs: no new connections, no more polling. */
  freeze(): void {
    this.frozen = true;
    clearInterval(this.statsTimer);
    this.listeners?.stop();
    for (const source of this.titleSources.splice(0)) source.stop();
  }

  private onState(update: { server: string; state: { state: string; error?: { code: string; message: string }; since?: string } }): void {
    const { server, state } = update;
    if (state.state === 'connected') {
      this.connected.set(server, state.since ? Date.parse(state.since) : Date.now());
      this.log.info(`${server}: connected.`);
    } else {
      this.connected.delete(server);
      if (state.error && (state.state === 'retrying' || state.state === 'failed')) {
        this.log.error(`${server}: ${state.error.message}${state.state === 'retrying' ? ' (retrying)' : ''}`, state.error);
      }
      if (state.state === 'failed' || state.state === 'stopped') this.running.delete(server);
    }
    const since = Math.min(...this.connected.values());
    this.status.update({
      connected: this.connected.size > 0,
      connecting: this.running.size > this.connected.size,
      ...(this.connected.size === 0 ? { streamSeconds: 0, streamKBytes: 0 } : { streamSeconds: Math.floor((Date.now() - since) / 1000) }),
    });
  }

  private async readStats(): Promise<void> {
    if (this.connected.size === 0) return;
    try {
      const stats = await this.engine.request('stream.stats', {});
      for (const listener of this.statsListeners) listener(stats);
      const { servers } = stats;
      const bytes = Object.values(servers).reduce((sum, s) => sum + s.bytesSent, 0);
      const since = Math.min(...this.connected.values());
      this.status.update({ streamKBytes: Math.floor(bytes / 1024), streamSeconds: Math.floor((Date.now() - since) / 1000) });
    } catch {
      // The engine may be restarting or shutting down; the next tick tries again.
    }
  }
}

function listenerSource(server: ServerSettings): ListenerSource | undefined {
  if (server.customListenerUrl) return { kind: 'custom', url: server.customListenerUrl };
  const baseUrl = `${server.tls ? 'https' : 'http'}://${server.address}:${server.port}`;
  if (server.type === 'icecast') return { kind: 'icecast-json', baseUrl, mount: server.mount };
  if (server.type === 'shoutcast') return { kind: 'shoutcast-7html', baseUrl };
  return undefined;
}
