/** Delays between reconnect attempts: quick at first, then at most every 10 s, with jitter so many browsers do not retry in step. */
const FIRST_MS = 500;
const MAX_MS = 10_000;

export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_MS, FIRST_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.4 * random()));
}
