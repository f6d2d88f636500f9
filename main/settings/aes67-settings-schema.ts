/**
 * AES67 output, as the AES67 fork of BUTT stores it in [aes67]. Defined here until the AES67
 * engine brings its own schema; then one of the two goes.
 */
import { z } from 'zod';

export const Aes67SettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** Multicast destination. */
  address: z.string().default('239.69.145.58'),
  port: z.number().int().min(1).max(65535).default(5004),
  ttl: z.number().int().min(1).max(255).default(32),
  /** DSCP code point (46 = EF, the AES67 default for media). */
  dscp: z.number().int().min(0).max(63).default(46),
  /** Network interface name; '' = the system's choice. */
  interface: z.string().default(''),
  /** Receive our own multicast on this host. */
  loopback: z.boolean().default(false),
  /** Follow a PTP grandmaster. */
  ptp: z.boolean().default(false),
  /** Announce the stream with SAP. */
  sap: z.boolean().default(false),
});
export type Aes67Settings = z.infer<typeof Aes67SettingsSchema>;
