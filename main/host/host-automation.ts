/**
 * BUTT's automation: connect after N seconds of signal, disconnect after N seconds of
 * silence, the same for recording, and recording that follows the stream (start_rec,
 * stop_rec). The engine detects signal and silence; the host decides what to do and when.
 * Thresholds of 0 switch a rule off; the command server's -M/-m/-O/-o change them live.
 */
import type { ThresholdKind } from './control/wire';
import type { Settings } from '../settings/settings-schema';
import type { OperatorLog } from '../shared/operator-log';

export interface AutomationActions {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  startRecording(): Promise<void>;
  stopRecording(): Promise<void>;
  isConnected(): boolean;
  isRecording(): boolean;
}

export class HostAutomation {
  private readonly seconds: Record<ThresholdKind, number>;
  private readonly timers = new Map<ThresholdKind, NodeJS.Timeout>();
  private readonly followStream: { start: boolean; stop: boolean };
  private wasConnected = false;
  private frozen = false;
  /** The detector's last verdict: a rule set later still applies to the current state. */
  private state: 'present' | 'absent' | 'unknown' = 'unknown';

  constructor(
    settings: Settings,
    private readonly actions: AutomationActions,
    private readonly log: OperatorLog,
  ) {
    const stream = settings.stream.automation;
    const record = settings.recordAutomation.detection;
    this.seconds = {
      'stream-signal': stream.startOnSignal ? stream.signalSeconds : 0,
      'stream-silence': stream.stopOnSilence ? stream.silenceSeconds : 0,
      'record-signal': record.startOnSignal ? record.signalSeconds : 0,
      'record-silence': record.stopOnSilence ? record.silenceSeconds : 0,
    };
    this.followStream = { start: settings.recordAutomation.startWithStream, stop: settings.recordAutomation.stopWithStream };
  }

  setThreshold(kind: ThresholdKind, seconds: number): void {
    this.seconds[kind] = seconds;
    this.cancel(kind);
    this.log.info(seconds > 0 ? `Automation: ${describe(kind)} after ${seconds} s.` : `Automation: ${describe(kind)} switched off.`);
    this.onSignal(this.state);
  }

  /** From the engine's signal detector. */
  onSignal(state: 'present' | 'absent' | 'unknown'): void {
    this.state = state;
    if (this.frozen) return;
    if (state === 'present') {
      this.cancel('stream-silence');
      this.cancel('record-silence');
      this.arm('stream-signal', () => !this.actions.isConnected(), () => this.actions.connect());
      this.arm('record-signal', () => !this.actions.isRecording(), () => this.actions.startRecording());
    } else if (state === 'absent') {
      this.cancel('stream-signal');
      this.cancel('record-signal');
      this.arm('stream-silence', () => this.actions.isConnected(), () => this.actions.disconnect());
      this.arm('record-silence', () => this.actions.isRecording(), () => this.actions.stopRecording());
    }
  }

  /** Recording follows the stream when the settings say so (BUTT's start_rec / stop_rec). */
  onConnectedChanged(connected: boolean): void {
    if (this.frozen || connected === this.wasConnected) return;
    this.wasConnected = connected;
    if (connected && this.followStream.start && !this.actions.isRecording()) this.run('recording with the stream', () => this.actions.startRecording());
    if (!connected && this.followStream.stop && this.actions.isRecording()) this.run('stop recording with the stream', () => this.actions.stopRecording());
  }

  freeze(): void {
    this.frozen = true;
    for (const kind of [...this.timers.keys()]) this.cancel(kind);
  }

  private arm(kind: ThresholdKind, applies: () => boolean, act: () => Promise<void>): void {
    const seconds = this.seconds[kind];
    if (seconds <= 0 || this.timers.has(kind)) return;
    this.timers.set(
      kind,
      setTimeout(() => {
        this.timers.delete(kind);
        if (!this.frozen && applies()) this.run(describe(kind), act);
      }, seconds * 1000),
    );
  }

  private cancel(kind: ThresholdKind): void {
    clearTimeout(this.timers.get(kind));
    this.timers.delete(kind);
  }

  private run(what: string, act: () => Promise<void>): void {
    this.log.info(`Automation: ${what}.`);
    act().catch(() => undefined); // the action logs its own failure
  }
}

function describe(kind: ThresholdKind): string {
  switch (kind) {
    case 'stream-signal':
      return 'connect on signal';
    case 'stream-silence':
      return 'disconnect on silence';
    case 'record-signal':
      return 'record on signal';
    case 'record-silence':
      return 'stop recording on silence';
  }
}
