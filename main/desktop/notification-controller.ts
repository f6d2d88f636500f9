/**
 * Desktop notifications for what an operator must not miss while the window is hidden:
 * a stream that dropped, came back, and silence on the air. Fed with the engine's own event
 * shapes; each kind can be switched off in the settings; rate-limited so a flapping
 * connection does not bury the desktop in bubbles.
 */
import type { InterfaceSettings } from '../settings/interface-settings-schema';

export interface DesktopNotification {
  title: string;
  body: string;
  /** Disconnects and silence are critical (they stay until seen where the desktop allows it). */
  urgency: 'normal' | 'critical';
}

export interface NotificationControllerDeps {
  notify(notification: DesktopNotification): void;
  settings(): InterfaceSettings['notifications'];
  /** Streaming or recording: silence only matters then. */
  onAir(): boolean;
  now?(): number;
  /** Same kind and server at most once in this many ms (default 30 s). */
  perKeyIntervalMs?: number;
  /** At most this many notifications per minute in all (default 6). */
  maxPerMinute?: number;
}

type Kind = keyof InterfaceSettings['notifications'];

export class NotificationController {
  private readonly serverStates = new Map<string, string>();
  private readonly lastByKey = new Map<string, number>();
  private sentTimes: number[] = [];
  private signal: string = 'unknown';
  /** Servers that lost a connection they had: their next `connected` is a reconnect. */
  private readonly dropped = new Set<string>();
  /** Count of notifications held back by the rate limit (for the log / tests). */
  suppressed = 0;

  constructor(private readonly deps: NotificationControllerDeps) {}

  /** The engine's `stream.state` event. */
  onStreamState(update: { server: string; state: { state: string; error?: { message: string } } }): void {
    const before = this.serverStates.get(update.server) ?? 'idle';
    const now = update.state.state;
    this.serverStates.set(update.server, now);
    if (now === before) return;
    const why = update.state.error?.message;
    if (before === 'connected' && (now === 'retrying' || now === 'failed' || now === 'connecting')) {
      this.send('disconnect', update.server, {
        title: `Disconnected from ${update.server}`,
        body: `${why ?? 'The connection dropped.'}${now === 'failed' ? ' Not retrying.' : ' Reconnecting...'}`,
        urgency: 'critical',
      });
    } else if (before === 'connecting' && now === 'failed') {
      this.send('disconnect', update.server, { title: `Could not connect to ${update.server}`, body: why ?? 'The server refused the stream.', urgency: 'critical' });
    } else if (now === 'connected' && (before === 'retrying' || before === 'connecting') && this.hadDropped(update.server)) {
      this.send('reconnect', update.server, { title: `Reconnected to ${update.server}`, body: 'Streaming again.', urgency: 'normal' });
    }
    if (now === 'connected' || now === 'stopped' || now === 'idle') this.dropped.delete(update.server);
    if (before === 'connected' && now !== 'connected' && now !== 'stopped') this.dropped.add(update.server);
  }

  /** The engine's `audio.signal` event (BUTT's silence detection). */
  onSignal(update: { state: 'unknown' | 'present' | 'absent' }): void {
    const before = this.signal;
    this.signal = update.state;
    if (update.state !== 'absent' || before === 'absent' || !this.deps.onAir()) return;
    this.send('silence', 'input', { title: 'Silence on the air', body: 'The input has been silent past the silence threshold.', urgency: 'critical' });
  }

  private hadDropped(server: string): boolean {
    return this.dropped.has(server);
  }

  private send(kind: Kind, subject: string, notification: DesktopNotification): void {
    if (!this.deps.settings()[kind]) return;
    const now = this.deps.now?.() ?? Date.now();
    const key = `${kind}:${subject}`;
    const last = this.lastByKey.get(key);
    this.sentTimes = this.sentTimes.filter((t) => now - t < 60_000);
    if ((last !== undefined && now - last < (this.deps.perKeyIntervalMs ?? 30_000)) || this.sentTimes.length >= (this.deps.maxPerMinute ?? 6)) {
      this.suppressed += 1;
      return;
    }
    this.lastByKey.set(key, now);
    this.sentTimes.push(now);
    this.deps.notify(notification);
  }
}
