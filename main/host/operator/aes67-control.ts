/**
 * The AES67 output as the operator drives it: start from the saved settings, stop, the SDP
 * (the running stream's, or a preview of what starting would announce), and the state pushed
 * as `aes67.state` / `ptp.state`. The engine does the work; this keeps what it last said.
 */
import { Aes67SenderSettingsSchema, type Aes67SenderSettings } from '../../engine/aes67/aes67-settings';
import { buildSdp, describeSender } from '../../engine/aes67/sdp';
import { readSdpRecord } from '../../engine/aes67/sdp-session-file';
import { resolveInterfaceAddress } from '../../engine/aes67/interface-address';
import type { EngineSupervisor } from '../../engine-host/engine-supervisor';
import type { EngineEventData } from '../../protocol/engine-protocol';
import type { Settings } from '../../settings/settings-schema';
import type { Aes67Counters } from '../../protocol/operator-api';
import { appError, toAppError, type AppError } from '../../shared/errors';

export interface Aes67State {
  running: boolean;
  sdp?: string;
  error?: AppError;
  counters?: Aes67Counters;
}

/** How often the sender's counters are read while it runs (the UI shows packets and late ones). */
const COUNTERS_INTERVAL_MS = 1000;
export type PtpState = EngineEventData<'aes67.clock'>;

/**
 * The stored [aes67] section is the engine's own sender schema (one schema); it is checked
 * again here so a hand-edited value is refused with the field named, before the engine sees it.
 */
export function senderSettings(stored: Settings['aes67']): { ok: true; settings: Aes67SenderSettings } | { ok: false; error: AppError } {
  const parsed = Aes67SenderSettingsSchema.safeParse(stored);
  if (parsed.success) return { ok: true, settings: parsed.data };
  const issue = parsed.error.issues[0];
  const message = `The AES67 settings are not usable: aes67.${issue?.path.join('.')}: ${issue?.message}`;
  return { ok: false, error: appError('AES67_SETTINGS_INVALID', message) };
}

export class Aes67Control {
  private current: Aes67State = { running: false };
  private clock: PtpState | undefined;
  private countersTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: EngineSupervisor,
    private readonly settings: () => Settings,
    private readonly emit: (name: 'aes67.state' | 'ptp.state', data: unknown) => void,
    /** `<data-dir>/aes67-sdp-session.json`: the SDP session id and version across restarts. */
    private readonly sessionFile?: string,
  ) {
    engine.onEvent((event, data) => {
      if (event !== 'aes67.clock') return;
      this.clock = data as PtpState;
      this.emit('ptp.state', this.clock);
    });
  }

  /** For the snapshot. */
  state(): Aes67State & { clock?: PtpState } {
    return { ...this.current, ...(this.clock ? { clock: this.clock } : {}) };
  }

  async start(): Promise<{ running: true; sdp: string }> {
    const usable = senderSettings(this.settings().aes67);
    if (!usable.ok) throw usable.error;
    try {
      const { sdp } = await this.engine.request('aes67.start', { settings: usable.settings, ...(this.sessionFile ? { sessionFile: this.sessionFile } : {}) });
      this.set({ running: true, sdp });
      this.watchCounters();
      return { running: true, sdp };
    } catch (error) {
      const appErr = toAppError(error, 'AES67_START_FAILED', 'The AES67 output could not start');
      this.set({ running: false, error: appErr });
      throw appErr;
    }
  }

  async stop(): Promise<{ running: false }> {
    this.unwatchCounters();
    await this.engine.request('aes67.stop', {});
    this.clock = undefined;
    this.set({ running: false });
    return { running: false };
  }

  /** The engine went away (crash, restart, quit): whatever it was sending stopped with it. */
  engineGone(): void {
    this.unwatchCounters();
    if (!this.current.running) return;
    this.clock = undefined;
    this.set({ running: false });
  }

  /** Stop then start with the saved settings (after settings.update), only when running. */
  async restartIfRunning(): Promise<boolean> {
    if (!this.current.running) return false;
    await this.stop();
    await this.start();
    return true;
  }

  /** The running stream's SDP from the engine; otherwise what starting now would announce. */
  async sdp(): Promise<{ sdp: string; running: boolean }> {
    const status = await this.engine.request('aes67.status', {});
    if (status.running && status.sdp) return { sdp: status.sdp, running: true };
    const usable = senderSettings(this.settings().aes67);
    if (!usable.ok) throw usable.error;
    const s = usable.settings;
    // The session a start would continue (same id); the version goes up once it differs.
    const stored = this.sessionFile ? readSdpRecord(this.sessionFile) : null;
    const previous = stored !== null && !('error' in stored) ? stored : undefined;
    const source = resolveInterfaceAddress(s.interface);
    if ('error' in source) throw source.error;
    // Not running: no grandmaster known yet; the real SDP names it once PTP locks.
    const sdp = buildSdp(
      describeSender(s, source.address, { grandmasterId: null, ptpDomain: 0, mediaClockOffset: 0 }),
      previous?.sessionId ?? '0',
      previous?.version ?? 0,
    );
    return { sdp, running: false };
  }

  private watchCounters(): void {
    this.unwatchCounters();
    let reading = false;
    this.countersTimer = setInterval(() => {
      if (reading) return;
      reading = true;
      void this.engine
        .request('aes67.status', {})
        .then((status) => {
          const counters = countersOf(status.sender);
          if (!status.running || !counters || !this.current.running) return;
          const before = this.current.counters;
          if (before && before.packetsSent === counters.packetsSent && before.late1ms === counters.late1ms) return;
          this.set({ ...this.current, counters });
        })
        // A status that fails (engine restarting) is simply not shown; the next tick tries again.
        .catch(() => undefined)
        .finally(() => (reading = false));
    }, COUNTERS_INTERVAL_MS);
    this.countersTimer.unref();
  }

  private unwatchCounters(): void {
    if (this.countersTimer) clearInterval(this.countersTimer);
    this.countersTimer = undefined;
  }

  private set(state: Aes67State): void {
    this.current = state;
    this.emit('aes67.state', state);
  }
}

/** The counters out of the engine's sender status (main/engine/aes67/sender.ts status()). */
function countersOf(sender: unknown): Aes67Counters | undefined {
  const s = sender as { pacer?: Partial<Aes67Counters>; pacerInUse?: { kind?: string } } | undefined;
  const p = s?.pacer;
  if (!p || typeof p.packetsSent !== 'number') return undefined;
  return {
    packetsSent: p.packetsSent,
    late1ms: p.late1ms ?? 0,
    resyncs: p.resyncs ?? 0,
    underruns: p.underruns ?? 0,
    ...(typeof s?.pacerInUse?.kind === 'string' ? { pacer: s.pacerInUse.kind } : {}),
  };
}
