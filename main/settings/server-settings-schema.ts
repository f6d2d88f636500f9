/**
 * Servers and stream-info profiles (BUTT's server sections and ICY sections), and the
 * stream-side switches of [main]. Defined here until the stream client's own server schema
 * exists (main/engine/stream/server-settings.ts did not when this was written): then one of
 * the two goes.
 */
import { z } from 'zod';
import { SecretRefSchema } from './secret-ref';
import { DetectionAutomationSchema } from './automation-settings-schema';

/** Airtight's stream codecs (encoder-settings.ts). BUTT's "ogg" is vorbis; its streamed "flac" is Ogg FLAC. */
export const STREAM_CODECS = ['mp3', 'vorbis', 'opus', 'flac', 'ogg-flac', 'aac'] as const;
export const StreamCodecSchema = z.enum(STREAM_CODECS);
export type StreamCodec = z.infer<typeof StreamCodecSchema>;

/** Extra keys of one section, verbatim (BUTT keys Airtight does not understand). */
export const ExtraKeysSchema = z.record(z.string(), z.string()).default({});

export const ServerSchema = z.object({
  /** Unique; BUTT uses it as the section name and in `-s <name>`. */
  name: z.string().min(1),
  /**
   * What Airtight can stream to. BUTT's types 2 (radio.co) and 3 (WebRTC) are kept as
   * 'unsupported' entries, with `buttType` remembering the number, so an export gives them back.
   */
  type: z.enum(['icecast', 'shoutcast', 'unsupported']).default('icecast'),
  buttType: z.number().int().optional(),
  address: z.string().default(''),
  port: z.number().int().min(0).max(65535).default(8000),
  passwordRef: SecretRefSchema,
  /** Icecast mount without the leading slash handling: kept as the operator typed it. */
  mount: z.string().default(''),
  user: z.string().default('source'),
  /** PUT (Icecast >= 2.4) or the legacy SOURCE method. */
  protocol: z.enum(['put', 'source']).default('put'),
  tls: z.boolean().default(false),
  /** SHA-256 of a trusted server certificate, 64 hex digits. */
  certHash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .nullable()
    .default(null),
  customListenerUrl: z.string().default(''),
  customListenerMount: z.string().default(''),
  /** null: the stream codec of the `stream` section (BUTT has one codec for every server). */
  codec: StreamCodecSchema.nullable().default(null),
  /** Secret-bearing unknown keys (WebRTC `webrtc_auth`...) by key -> reference. */
  secretRefs: z.record(z.string(), z.string()).default({}),
  extra: ExtraKeysSchema,
});
export type ServerSettings = z.infer<typeof ServerSchema>;

/** BUTT's stream info ("ICY") profile. */
export const StreamInfoSchema = z.object({
  name: z.string().min(1),
  public: z.boolean().default(false),
  description: z.string().default(''),
  genre: z.string().default(''),
  url: z.string().default(''),
  irc: z.string().default(''),
  icq: z.string().default(''),
  aim: z.string().default(''),
  /** BUTT >= 0.1.40: expand %variables in the fields. */
  expandVariables: z.boolean().default(false),
  extra: ExtraKeysSchema,
});
export type StreamInfo = z.infer<typeof StreamInfoSchema>;

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
    /** Keep reconnecting after any loss, also after a refused login (BUTT's force_reconnecting). */
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
