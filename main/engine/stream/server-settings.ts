/**
 * One streaming server entry, with BUTT's fields (a `[server]` section of .buttrc maps onto it
 * one to one: address, port, password, type, mount, usr -> user, protocol, tls, cert_hash),
 * plus what Airtight adds: a codec per server and a few reconnect choices.
 */
import { z } from 'zod';
import { EncoderSettingsSchema } from '../audio/encoders/encoder-settings';

export const SERVER_TYPES = ['icecast', 'shoutcast'] as const;
export type ServerType = (typeof SERVER_TYPES)[number];

export const ServerEntrySchema = z.object({
  /** Shown to the operator; BUTT's section name. */
  name: z.string().min(1),
  /** Host name or IP address, without scheme. */
  address: z.string().min(1),
  /** The server's port (Shoutcast v1: the listener port; the source goes to port + 1). */
  port: z.number().int().min(1).max(65535).default(8000),
  /**
   * Sent as is. Shoutcast 2 takes its user and stream id inside it: `user:pass` or
   * `user:pass:#sid` (BUTT's convention).
   */
  password: z.string().default(''),
  type: z.enum(SERVER_TYPES).default('icecast'),
  /** Icecast mount point; a leading slash is added when missing. */
  mount: z.string().default('stream'),
  /** Icecast source user (BUTT's `usr`). */
  user: z.string().default('source'),
  /** put: HTTP PUT (falls back to SOURCE on 400/404/405); source: the legacy SOURCE request only. */
  protocol: z.enum(['put', 'source']).default('put'),
  /** TLS on the same port. */
  tls: z.boolean().default(false),
  /** SHA-256 of a certificate the operator accepted (hex, colons and case ignored); BUTT's `cert_hash`. */
  certHash: z.string().default(''),
  /** Extra CA certificates for TLS: a PEM file or a folder of them, beside the system CAs. */
  caPath: z.string().default(''),
  /** What this server gets; equal settings on several servers share one encoder. */
  codec: EncoderSettingsSchema.default({ codec: 'mp3', mode: 'cbr', bitrateKbps: 128, vbrQuality: 4 }),
  /** The stream-info profile (ice-/icy- headers) by name; empty: none. */
  streamInfo: z.string().default(''),
  /** Seconds before the first reconnect attempt; later ones back off up to 30 s. */
  reconnectDelaySeconds: z.number().min(0.1).max(30).default(1),
  /** Keep retrying even after the server refused the credentials (BUTT's force_reconnecting). */
  forceReconnecting: z.boolean().default(false),
});
export type ServerEntry = z.infer<typeof ServerEntrySchema>;
export type ServerEntryInput = z.input<typeof ServerEntrySchema>;

/** The headers a source sends about the station (BUTT's stream-info profile, `[<name>]` with pub, url...). */
export const StreamInfoSchema = z.object({
  name: z.string().default(''),
  description: z.string().default(''),
  genre: z.string().default(''),
  url: z.string().default(''),
  /** Listed in the server's public directory (ice-public / icy-pub). */
  public: z.boolean().default(false),
  irc: z.string().default(''),
  icq: z.string().default(''),
  aim: z.string().default(''),
});
export type StreamInfo = z.infer<typeof StreamInfoSchema>;

/** "ab:CD:..." or "abcd..." -> "abcd...". */
export function normalizeFingerprint(value: string): string {
  return value.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
}

export function mountPath(mount: string): string {
  return mount.startsWith('/') ? mount : `/${mount}`;
}
