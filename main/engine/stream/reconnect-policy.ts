/**
 * When to try again. The first attempts come at the configured delay (BUTT's reconnect_delay,
 * 1 s), so a server restart is picked up within about that delay; after that the wait doubles
 * up to 30 s. Jitter (+-20 %) keeps many sources from hammering a server in step.
 */
export const MAX_RECONNECT_DELAY_MS = 30_000;
/** Failed attempts in a row that still use the base delay. */
const FLAT_ATTEMPTS = 5;

/** `failures`: failed attempts in a row so far (1 after the first failure). */
export function reconnectDelayMs(baseSeconds: number, failures: number, random: () => number = Math.random): number {
  const base = baseSeconds * 1000;
  const doublings = Math.max(0, failures - FLAT_ATTEMPTS);
  const nominal = Math.min(MAX_RECONNECT_DELAY_MS, base * 2 ** Math.min(doublings, 16));
  const jittered = nominal * (0.8 + 0.4 * random());
  return Math.round(Math.min(MAX_RECONNECT_DELAY_MS, jittered));
}
