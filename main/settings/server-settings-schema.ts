/**
 * Servers and stream-info profiles (BUTT's server sections and ICY sections), and the
 * stream-side switches of [main]. The server and stream-info fields are the stream client's
 * (main/engine/stream/server-settings.ts); this file adds what the settings file needs.
 */
import { z } from 'zod';
import {
  SERVER_TYPES,
  ServerEntrySchema,
  StreamInfoSchema as StreamInfoEntrySchema,
  type ServerEntry,
} from '../engine/stream/server-settings';
import { SecretRefSchema } from './secret-ref';
import { DetectionAutomationSchema } from './automation-settings-schema';

/** Airtight's stream codecs (encoder-settings.ts). BUTT's "ogg" is vorbis; its streamed "flac" is Ogg FLAC. */
export const STREAM_CODECS = ['mp3', 'vorbis', 'opus', 'flac', 'ogg-flac', 'aac'] as const;
export const StreamCodecSchema = z.enum(STREAM_CODECS);
export type StreamCodec = z.infer<typeof StreamCodecSchema>;

/** Extra keys of one section, verbatim (BUTT keys Airtight does not understand). */
export const ExtraKeysSchema = z.record(z.string(), z.string()).default({});

/**
 * A server as the settings file stores it: the stream client's ServerEntry
 * (main/engine/stream/server-settings.ts), with the password replaced by a reference into the
 * SecretStore, plus what a BUTT file carries that the stream client does not use.
 */
export const ServerSchema = ServerEntrySchema.omit({ password: true }).extend({
  /**
   * BUTT's types 2 (radio.co) and 3 (WebRTC) are kept as 'unsupported' entries, with
   * `buttType` remembering the number, so an export gives them back. They never stream.
   */
  type: z.enum([...SERVER_TYPES, 'unsupported']).default('icecast'),
  buttType: z.number().int().optional(),
  /** BUTT writes port 0 for WebRTC entries. */
  port: z.number().int().min(0).max(65535).default(8000),
  passwordRef: SecretRefSchema,
  customListenerUrl: z.string().default(''),
  customListenerMount: z.string().default(''),
  /** Secret-bearing unknown keys (WebRTC `webrtc_auth`...) by key -> reference. */
  secretRefs: z.record(z.string(), z.string()).default({}),
  extra: ExtraKeysSchema,
});
export type ServerSettings = z.infer<typeof ServerSchema>;

/** BUTT's stream info ("ICY") profile: the stream client's StreamInfo plus BUTT's extras. */
export const StreamInfoSchema = StreamInfoEntrySchema.extend({
  name: z.string().min(1),
  /** BUTT >= 0.1.40: expand %variables in the fields. */
  expandVariables: z.boolean().default(false),
  extra: ExtraKeysSchema,
});
export type StreamInfo = z.infer<typeof StreamInfoSchema>;

/** What the stream client takes: undefined for an unsupported entry or a missing secret. */
export function toServerEntry(server: ServerSettings, secretOf: (ref: string) => string | undefined): ServerEntry | undefined {
  if (server.type === 'unsupported' || server.port < 1) return undefined;
  const password = server.passwordRef === null ? '' : secretOf(server.passwordRef);
  if (password === undefined) return undefined;
  const { passwordRef: _ref, buttType: _bt, customListenerUrl: _u, customListenerMount: _m, secretRefs: _s, extra: _e, ...entry } = server;
  return ServerEntrySchema.parse({ ...entry, type: server.type, password });
}

export const StreamSettingsSchema = z
  .object({
    /** The codec every server uses unless it names its own (BUTT's [audio] codec). */
    codec: StreamCodecSchema.default('mp3'),
    servers: z.array(ServerSchema).default([]),
    selectedServer: z.string().nullable().default(null),
    streamInfos: z.array(StreamInfoSchema).default([]),
    selectedStreamInfo: z.string().nullable().default(null),
    /** The host connects once the engine runs (BUTT's connect_at_startup). */
    connectAtStartup: z.boolean().default(false),
    /**
     * BUTT's global force_reconnecting / reconnect_delay; an import also copies them into each
     * server's own fields (the stream client reads those).
     */
    forceReconnecting: z.boolean().default(false),
    reconnectDelaySeconds: z.number().min(0).max(3600).default(1),
    /** Charset of Shoutcast v1 title updates; '' = UTF-8 (BUTT's ic_charset). */
    titleCharset: z.string().default(''),
    /** Connect on signal, disconnect on silence ([main] signal/silence_threshold). */
    automation: DetectionAutomationSchema.prefault({}),
  })
  .superRefine((stream, ctx) => {
    const seen = new Set<string>();
    stream.servers.forEach((server, index) => {
      if (seen.has(server.name)) ctx.addIssue({ code: 'custom', path: ['servers', index, 'name'], message: `duplicate server name "${server.name}"` });
      seen.add(server.name);
    });
    const infos = new Set<string>();
    stream.streamInfos.forEach((info, index) => {
      if (infos.has(info.name)) ctx.addIssue({ code: 'custom', path: ['streamInfos', index, 'name'], message: `duplicate stream info name "${info.name}"` });
      infos.add(info.name);
    });
  });
export type StreamSettings = z.infer<typeof StreamSettingsSchema>;
