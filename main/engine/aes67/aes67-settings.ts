/**
 * AES67 sender settings: the one schema for the engine request (aes67.start) and the settings
 * file's `aes67` section (main/settings/aes67-settings-schema.ts). The BUTT fork's `[aes67]`
 * keys are mapped in main/settings/buttrc/.
 */
import { z } from 'zod';
import { PACKET_TIMES, type PacketTimeMs } from './packet-times';

/** DSCP code points: AES67 media AF41, Dante networks EF. */
export const DSCP_AES67 = 34;
export const DSCP_DANTE = 46;

const MULTICAST_V4 = /^(22[4-9]|23\d)\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export const Aes67SenderSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  /** 'dante': DSCP 46 and no source-filter line, which some Dante versions dislike. */
  mode: z.enum(['aes67', 'dante']).default('aes67'),
  /** Multicast group; Dante subscribes only inside 239.x/16 and uses 239.69.x.y. */
  address: z
    .string()
    .regex(MULTICAST_V4, 'must be an IPv4 multicast address (224.0.0.0-239.255.255.255)')
    .refine((a) => a.split('.').every((o) => Number(o) <= 255), 'each part must be 0..255')
    .default('239.69.1.10'),
  port: z.number().int().min(1024).max(65535).default(5004),
  ttl: z.number().int().min(1).max(255).default(32),
  /** null = the mode's default (34, or 46 in Dante mode). */
  dscp: z.number().int().min(0).max(63).nullable().default(null),
  /** Interface name (eth0) or IPv4 address; '' = the system's route. */
  interface: z.string().default(''),
  /** Receive our own multicast on this host too. */
  loopback: z.boolean().default(false),
  /** Follow a PTP grandmaster; off = free-run from the local clock. */
  ptp: z.boolean().default(true),
  /** Announce with SAP. */
  sap: z.boolean().default(true),
  /** SAP repeat interval; Dante and aes67-linux-daemon use about 30 s. */
  sapIntervalSeconds: z.number().int().min(1).max(300).default(30),
  streamName: z.string().min(1).max(64).default('Airtight'),
  encoding: z.enum(['L24', 'L16']).default('L24'),
  channels: z.number().int().min(1).max(8).default(2),
  packetTimeMs: z
    .number()
    .refine((v): v is PacketTimeMs => String(v) in PACKET_TIMES, 'packet time must be 0.125, 0.25, 0.333, 1 or 4 ms')
    .default(1),
  payloadType: z.number().int().min(96).max(127).default(97),
  /** a=source-filter line in the SDP. */
  sourceFilter: z.boolean().default(true),
  /** a=framecount line (Ravenna-era gear). */
  framecount: z.boolean().default(false),
  /** Feed before the DSP chain instead of after it (BUTT's fork sends post-DSP). */
  preDsp: z.boolean().default(false),
  /**
   * Who sends the packets: 'auto' = the native pacing thread when its addon loads, else the
   * JavaScript pacer (native/rtp-pacer/README.md).
   */
  pacer: z.enum(['auto', 'native', 'javascript']).default('auto'),
  /**
   * Audio kept ahead of the pacer (ms): covers stalls of the engine thread. More is safer on a
   * busy machine and adds the same latency to the AES67 output.
   */
  bufferMs: z.number().int().min(10).max(500).default(40),
});
export type Aes67SenderSettings = z.infer<typeof Aes67SenderSettingsSchema>;

export function defaultAes67Settings(): Aes67SenderSettings {
  return Aes67SenderSettingsSchema.parse({});
}

export function effectiveDscp(settings: Pick<Aes67SenderSettings, 'dscp' | 'mode'>): number {
  return settings.dscp ?? (settings.mode === 'dante' ? DSCP_DANTE : DSCP_AES67);
}
