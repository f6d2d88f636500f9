/**
 * Several servers at once, each with its own codec. Servers with equal codec settings share one
 * encoder subscription (and so one encoder thread); the manager keeps each encoder's current
 * header set so a server started later still sends the Ogg headers first. Every sender is a
 * registered resource in the 'streams' stage: a shutdown ends each connection with a FIN.
 */
import { appError, isAppError, type AppError } from '../../shared/errors';
import type { AudioFormat } from '../audio/audio-format';
import type { EncodedChunk } from '../audio/encoder';
import type { StreamEncoderSubscription } from '../audio/audio-service';
import type { EncoderSettings } from '../audio/encoders/encoder-settings';
import { encoderInputFormat } from '../audio/encoders/create-encoder';
import type { ResourceHandle, ResourceRegistry } from '../resource-registry';
import { codecRefusal } from './codec-support';
import { ServerEntrySchema, StreamInfoSchema, type ServerEntry, type ServerEntryInput, type StreamInfo } from './server-settings';
import { StreamSender, type SenderOptions, type SenderState, type SenderStats } from './stream-sender';

/** AudioService.openStreamEncoder's signature. */
export type OpenStreamEncoder = (settings: EncoderSettings, onChunks: (chunks: EncodedChunk[]) => void) => StreamEncoderSubscription;

export interface StreamManagerDeps {
  openEncoder: OpenStreamEncoder;
  /** The pipeline's format now (AudioService.format). */
  format: () => AudioFormat | undefined;
  registry?: ResourceRegistry;
  /** A stream-info profile by name; missing or empty name: no station headers. */
  streamInfo?: (profile: string) => StreamInfo | undefined;
  onState?: (server: string, state: SenderState) => void;
  /** Test and tuning knobs passed to every sender. */
  senderOptions?: Partial<Pick<SenderOptions, 'queueSeconds' | 'queueMaxBytes' | 'confirmMs' | 'connectTimeoutMs' | 'answerTimeoutMs' | 'random'>>;
}

interface EncoderFeed {
  key: string;
  subscription: StreamEncoderSubscription;
  senders: Set<StreamSender>;
  headers: EncodedChunk[];
  lastWasAudio: boolean;
}

interface Running {
  sender: StreamSender;
  feed: EncoderFeed;
  handle: ResourceHandle | undefined;
}

export class StreamManager {
  private readonly feeds = new Map<string, EncoderFeed>();
  private readonly servers = new Map<string, Running>();

  constructor(private readonly deps: StreamManagerDeps) {}

  /** Starts streaming to a server (by its name); resolves once it is connecting, or with why it cannot. */
  async start(input: ServerEntry | ServerEntryInput, info?: StreamInfo): Promise<AppError | undefined> {
    const parsed = ServerEntrySchema.safeParse(input);
    if (!parsed.success) return appError('STREAM_SETTINGS_INVALID', 'The server settings are not valid.', parsed.error.message);
    const entry = parsed.data;
    if (this.servers.has(entry.name)) return appError('STREAM_ALREADY_RUNNING', `Already streaming to "${entry.name}".`);
    const refused = codecRefusal(entry.type, entry.codec.codec);
    if (refused) {
      this.deps.onState?.(entry.name, { state: 'failed', error: refused });
      return refused;
    }
    const format = this.deps.format();
    if (!format) return appError('AUDIO_NOT_CONFIGURED', 'The audio input is not configured yet.');
    let feed: EncoderFeed;
    try {
      feed = this.feedFor(entry.codec);
    } catch (thrown) {
      return isAppError(thrown) ? thrown : appError('STREAM_ENCODER_FAILED', 'The stream encoder could not start.', String(thrown));
    }
    const mimeType = await feed.subscription.mimeType;
    if (typeof mimeType !== 'string') {
      if (feed.senders.size === 0) await this.releaseFeed(feed);
      const error = appError('STREAM_ENCODER_FAILED', `The ${entry.codec.codec} encoder for "${entry.name}" could not start: ${mimeType.message}`, mimeType.detail);
      this.deps.onState?.(entry.name, { state: 'failed', error });
      return error;
    }
    if (this.servers.has(entry.name)) return appError('STREAM_ALREADY_RUNNING', `Already streaming to "${entry.name}".`);
    const streamInfo = info ?? this.deps.streamInfo?.(entry.streamInfo) ?? StreamInfoSchema.parse({});
    const sender = new StreamSender({
      ...this.deps.senderOptions,
      entry,
      info: streamInfo,
      mimeType,
      format: encoderInputFormat(entry.codec, format),
      onState: (state) => this.deps.onState?.(entry.name, state),
    });
    sender.push(feed.headers);
    feed.senders.add(sender);
    const running: Running = { sender, feed, handle: undefined };
    running.handle = this.deps.registry?.register({ kind: 'tcp-socket', stage: 'streams', label: `stream to ${entry.name}` }, async (signal) => {
      await sender.stop(signal);
      this.servers.delete(entry.name);
      feed.senders.delete(sender);
    });
    this.servers.set(entry.name, running);
    sender.start();
    return undefined;
  }

  /** Stops one server: at once while connecting, with a FIN when connected. */
  async stop(name: string, signal: AbortSignal = AbortSignal.timeout(2000)): Promise<void> {
    const running = this.servers.get(name);
    if (!running) return;
    this.servers.delete(name);
    await running.sender.stop(signal);
    running.handle?.release();
    running.feed.senders.delete(running.sender);
    if (running.feed.senders.size === 0) await this.releaseFeed(running.feed);
  }

  async stopAll(signal: AbortSignal = AbortSignal.timeout(2000)): Promise<void> {
    await Promise.all([...this.servers.keys()].map((name) => this.stop(name, signal)));
  }

  state(name: string): SenderState | undefined {
    return this.servers.get(name)?.sender.state;
  }

  stats(): Record<string, SenderStats> {
    return Object.fromEntries([...this.servers].map(([name, running]) => [name, running.sender.stats()]));
  }

  /** The encoder drops of each server's feed (audio the encoder thread could not keep up with). */
  encoderStats(name: string): { postedFrames: number; droppedFrames: number } | undefined {
    return this.servers.get(name)?.feed.subscription.stats();
  }

  private feedFor(settings: EncoderSettings): EncoderFeed {
    const key = JSON.stringify(settings);
    const existing = this.feeds.get(key);
    if (existing) return existing;
    const feed: EncoderFeed = { key, senders: new Set(), headers: [], lastWasAudio: false, subscription: undefined as unknown as StreamEncoderSubscription };
    feed.subscription = this.deps.openEncoder(settings, (chunks) => {
      for (const chunk of chunks) {
        if (chunk.header) {
          if (feed.lastWasAudio) feed.headers = [];
          feed.headers.push(chunk);
          feed.lastWasAudio = false;
        } else {
          feed.lastWasAudio = true;
        }
      }
      for (const sender of feed.senders) sender.push(chunks);
    });
    this.feeds.set(key, feed);
    return feed;
  }

  private async releaseFeed(feed: EncoderFeed): Promise<void> {
    if (this.feeds.get(feed.key) !== feed) return;
    this.feeds.delete(feed.key);
    await feed.subscription.close();
  }
}
