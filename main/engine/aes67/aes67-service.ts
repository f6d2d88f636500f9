/**
 * The engine's AES67 output: a media clock (PTP follower, ptp4l, or free-run), the paced
 * RTP sender with SDP/SAP, fed from the stream path (post-DSP, like BUTT's AES67 fork) or
 * before the DSP. Everything registers in the resource registry, so a shutdown reports that
 * the SAP deletion went out and every thread was joined.
 */
import type { AppError } from '../../shared/errors';
import { appError } from '../../shared/errors';
import type { ResourceHandle, ResourceRegistry } from '../resource-registry';
import type { AudioService } from '../audio/audio-service';
import { Aes67Sender, describePacer, type Aes67SenderOptions } from './sender';
import { readSdpRecord, writeSdpRecord } from './sdp-session-file';
import type { Aes67SenderSettings } from './aes67-settings';
import { AirtightMediaClock } from './ptp/media-clock';

export interface Aes67Events {
  log(level: 'info' | 'warn' | 'error', message: string, error?: AppError): void;
  clock(state: { mode: string; state: string; grandmaster: string | null; description: string }): void;
}

interface Running {
  sender: Aes67Sender;
  clock: AirtightMediaClock;
  handles: ResourceHandle[];
  untap: () => void;
  offClock: () => void;
}

export class Aes67Service {
  private running: Running | undefined;

  constructor(
    private readonly audio: AudioService,
    private readonly registry: ResourceRegistry,
    private readonly events: Aes67Events,
  ) {}

  /** `sessionFile`: where the SDP session id and version persist (the host passes one in its data dir). */
  async start(settings: Aes67SenderSettings, sessionFile?: string): Promise<{ sdp: string }> {
    if (this.running) throw appError('AES67_RUNNING', 'The AES67 output is already running; stop it first.');
    const format = this.audio.format;
    if (!format) throw appError('AUDIO_NOT_CONFIGURED', 'The audio input is not configured yet.');
    if (format.channels !== settings.channels) {
      throw appError('AES67_CHANNELS', `The AES67 output is set to ${settings.channels} channels but the input delivers ${format.channels}.`);
    }
    const clock = await AirtightMediaClock.start({ mode: settings.ptp ? 'ptp' : 'free-run', ...(settings.interface ? { iface: settings.interface } : {}) });
    const clockWarning = clock.warning();
    if (clockWarning) this.events.log('warn', clockWarning.message, clockWarning);
    const started = await Aes67Sender.start({
      settings,
      clock,
      inputRate: format.sampleRate,
      sap: { intervalMs: settings.sapIntervalSeconds * 1000 },
      // 'auto' leaves the choice to AIRTIGHT_AES67_PACER, then to whether the addon loads.
      ...(settings.pacer === 'auto' ? {} : { pacer: { kind: settings.pacer } }),
      bufferMs: settings.bufferMs,
      sdpSession: this.sdpSession(sessionFile),
    });
    if ('error' in started) {
      await clock.stop();
      throw started.error;
    }
    const sender = started;
    // The clock closes after the sender (its SAP deletion names the grandmaster).
    const handles = [...sender.register(this.registry), ...clock.register(this.registry)];
    const untap = this.audio.tapStream((samples) => sender.push(samples), { preDsp: settings.preDsp, lowLatency: true });
    let told = '';
    const publish = (): void => {
      const state = { mode: clock.mode(), state: clock.state(), grandmaster: clock.grandmasterId(), description: clock.describe() };
      this.events.clock(state);
      // The operator log says when the clock locks, relocks or loses its grandmaster.
      const line = `AES67 clock: ${state.state}, grandmaster ${state.grandmaster ?? 'none'} (${state.mode})`;
      if (line !== told) this.events.log('info', line);
      told = line;
      sender.refreshClock();
    };
    const offClock = clock.onChange(publish);
    publish();
    this.running = { sender, clock, handles, untap, offClock };
    this.events.log('info', `AES67 output running: ${settings.address}:${settings.port}, ${clock.describe()}.`);
    // Which pacer runs and why: a JavaScript fallback paces less precisely, the operator should know.
    const pacer = sender.status().pacerInUse;
    const pacerLine = `AES67 pacing: ${describePacer(pacer)}.`;
    if (pacer.kind === 'javascript' && pacer.reason !== 'forced by the settings') {
      this.events.log('warn', pacerLine, appError('AES67_PACER_FALLBACK', pacerLine, pacer.reason));
    } else this.events.log('info', pacerLine);
    return { sdp: sender.sdp };
  }

  /** The previous run's session from the file, and a writer for every new version (failures logged once). */
  private sdpSession(path: string | undefined): Aes67SenderOptions['sdpSession'] {
    if (path === undefined) return undefined;
    const read = readSdpRecord(path);
    if (read !== null && 'error' in read) this.events.log('warn', read.error.message, read.error);
    let warned = false;
    return {
      ...(read !== null && !('error' in read) ? { previous: read } : {}),
      onVersion: (record) => {
        const error = writeSdpRecord(path, record);
        if (error && !warned) this.events.log('warn', error.message, error);
        warned ||= error !== null;
      },
    };
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    running.untap();
    running.offClock();
    await running.sender.stop();
    await running.clock.stop();
    for (const handle of running.handles) handle.release();
  }

  status(): { running: boolean; sdp?: string; sender?: unknown; clock?: string } {
    const running = this.running;
    if (!running) return { running: false };
    return { running: true, sdp: running.sender.sdp, sender: running.sender.status(), clock: running.clock.describe() };
  }
}
