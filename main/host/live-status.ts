/**
 * The host's picture of what the engine is doing, kept current from engine events: levels,
 * signal, recording, streams. The control server's status, the UI and the event API read it
 * without a round trip to the engine.
 */
import type { EngineEventData, EngineEventName } from '../protocol/engine-protocol';
import type { StatusV3 } from './control/wire';
import { idleStatus } from './control/target';

/** BUTT's meter floor in its status packet. */
const FLOOR_DB = -90;

export class LiveStatus {
  private value: StatusV3 = idleStatus();

  private readonly listeners: ((status: StatusV3) => void)[] = [];

  get(): StatusV3 {
    return { ...this.value };
  }

  /** Called when anything but the levels changed (levels have their own 20 Hz event). */
  onChange(listener: (status: StatusV3) => void): void {
    this.listeners.push(listener);
  }

  update(change: Partial<StatusV3>): void {
    const before = this.value;
    this.value = { ...this.value, ...change };
    const changed = (Object.keys(change) as (keyof StatusV3)[]).some(
      (key) => key !== 'volumeLeftDb' && key !== 'volumeRightDb' && before[key] !== this.value[key],
    );
    if (changed) for (const listener of this.listeners) listener(this.get());
  }

  /** Feeds one engine event; events that do not concern the status are ignored. */
  onEngineEvent<E extends EngineEventName>(event: E, data: EngineEventData<E>): void {
    if (event === 'audio.meters') {
      const { channels } = (data as EngineEventData<'audio.meters'>).input;
      const left = channels[0]?.peakDb ?? FLOOR_DB;
      const right = channels[1]?.peakDb ?? left;
      this.update({ volumeLeftDb: Math.max(FLOOR_DB, left), volumeRightDb: Math.max(FLOOR_DB, right) });
    } else if (event === 'audio.signal') {
      const { state } = data as EngineEventData<'audio.signal'>;
      this.update({ signal: state === 'present', silence: state === 'absent' });
    } else if (event === 'recorder.status') {
      const status = data as EngineEventData<'recorder.status'>;
      switch (status.state) {
        case 'recording':
        case 'split':
          this.update({ recording: true, recordPath: status.path });
          return;
        case 'progress':
          this.update({ recording: true, recordPath: status.path, recordSeconds: Math.floor(status.seconds), recordKBytes: Math.floor(status.bytes / 1024) });
          return;
        case 'stopped':
        case 'failed':
          this.update({ recording: false });
          return;
        case 'warning':
          return;
      }
    }
  }
}
