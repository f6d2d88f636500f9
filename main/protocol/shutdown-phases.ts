/** The shutdown steps in the order they run. Plain data, so the renderer can import it. */
export const SHUTDOWN_PHASES = [
  'freeze-inputs',
  'notify-ui',
  'engine-shutdown',
  'engine-exit',
  'engine-terminate',
  'engine-kill',
  'verify-processes',
  'persist-settings',
] as const;
