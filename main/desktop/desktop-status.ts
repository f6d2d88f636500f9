/**
 * What the tray shows, derived from the host's live status (connected / connecting /
 * recording), the engine's state and the per-server stream states. One of five icons, and a
 * tooltip in words for operators who cannot tell the icons apart.
 */
import type { StatusV3 } from '../host/control/wire';
import type { EngineState } from '../host/host';

export const TRAY_STATES = ['idle', 'connecting', 'on-air', 'recording', 'error'] as const;
export type TrayState = (typeof TRAY_STATES)[number];

export interface DesktopStatusView {
  state: TrayState;
  tooltip: string;
  streaming: boolean;
  recording: boolean;
}

/** Windows cuts tray tooltips at 127 characters. */
const MAX_TOOLTIP = 127;

type ServerState = { state: string; error?: { message: string } };

export class DesktopStatus {
  private live: Pick<StatusV3, 'connected' | 'connecting' | 'recording' | 'streamSeconds' | 'recordSeconds'> = {
    connected: false,
    connecting: false,
    recording: false,
    streamSeconds: 0,
    recordSeconds: 0,
  };
  private engine: EngineState = { state: 'starting' };
  private readonly servers = new Map<string, ServerState>();
  private readonly listeners: ((view: DesktopStatusView) => void)[] = [];
  private last: DesktopStatusView | undefined;

  onChange(listener: (view: DesktopStatusView) => void): void {
    this.listeners.push(listener);
  }

  onLiveStatus(status: StatusV3): void {
    this.live = status;
    this.publish();
  }

  onEngineState(state: EngineState): void {
    this.engine = state;
    // A restarted engine starts with nothing streaming: old server errors no longer apply.
    if (state.state === 'running') this.servers.clear();
    this.publish();
  }

  /** The engine's `stream.state` event: `{ server, state: { state, error? } }`. */
  onStreamState(update: { server: string; state: ServerState }): void {
    if (update.state.state === 'stopped' || update.state.state === 'idle') this.servers.delete(update.server);
    else this.servers.set(update.server, update.state);
    this.publish();
  }

  view(): DesktopStatusView {
    const { connected, connecting, recording } = this.live;
    const streaming = connected || connecting;
    const failing = [...this.servers.entries()].filter(([, s]) => s.state === 'retrying' || s.state === 'failed');
    const engineProblem = this.engine.state === 'failed' || this.engine.state === 'restarting' ? this.engine.reason : undefined;
    const state: TrayState =
      engineProblem !== undefined || failing.length > 0 ? 'error' : connected ? 'on-air' : connecting ? 'connecting' : recording ? 'recording' : 'idle';
    const parts: string[] = [];
    if (engineProblem !== undefined) parts.push(`engine ${this.engine.state === 'restarting' ? 'restarting' : 'stopped'}: ${engineProblem}`);
    if (connected) parts.push(`on air ${clock(this.live.streamSeconds)}`);
    else if (connecting) parts.push('connecting');
    if (recording) parts.push(`recording ${clock(this.live.recordSeconds)}`);
    for (const [name, s] of failing) parts.push(`${name}: ${s.error?.message ?? s.state}${s.state === 'retrying' ? ' (retrying)' : ''}`);
    if (parts.length === 0) parts.push(this.engine.state === 'starting' ? 'starting' : 'idle');
    const tooltip = truncate(`Airtight: ${parts.join('; ')}`, MAX_TOOLTIP);
    return { state, tooltip, streaming, recording };
  }

  private publish(): void {
    const view = this.view();
    const last = this.last;
    if (last && last.state === view.state && last.tooltip === view.tooltip && last.streaming === view.streaming && last.recording === view.recording) return;
    this.last = view;
    for (const listener of this.listeners) listener(view);
  }
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
