/**
 * Packet times AES67 allows, in ms, with their sample counts at 48 kHz. Plain data with no
 * Node imports: the settings schema (and through it the renderer) needs them.
 */
export const PACKET_TIMES = { 0.125: 6, 0.25: 12, 0.333: 16, 1: 48, 4: 192 } as const;
export type PacketTimeMs = keyof typeof PACKET_TIMES;
