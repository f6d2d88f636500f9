/** How numbers read on the display: clock time, sizes, levels. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

export function size(kBytes: number): string {
  if (kBytes < 1024) return `${Math.max(0, Math.round(kBytes))} KB`;
  if (kBytes < 1024 * 1024) return `${(kBytes / 1024).toFixed(1)} MB`;
  return `${(kBytes / 1024 / 1024).toFixed(2)} GB`;
}

export function db(value: number | undefined, floor = -90): string {
  if (value === undefined || !Number.isFinite(value) || value <= floor) return '-∞';
  return value.toFixed(1);
}

/** The operator's local time of day (entries carry UTC ISO times). */
export function timeOfDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour12: false });
}
