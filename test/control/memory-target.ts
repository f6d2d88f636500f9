/** A ControlTarget that records every call, for the control server tests. */
import type { ControlTarget, StatusV3, ThresholdKind } from '../../main/host/control/target';
import { idleStatus } from '../../main/host/control/target';

export type TargetCall =
  | { method: 'connect'; serverName?: string }
  | { method: 'disconnect' | 'startRecording' | 'stopRecording' | 'splitRecording' | 'quit' }
  | { method: 'setSong'; title: string }
  | { method: 'setThreshold'; kind: ThresholdKind; seconds: number };

export class MemoryTarget implements ControlTarget {
  readonly calls: TargetCall[] = [];
  statusCalls = 0;
  current: StatusV3 = idleStatus();
  private waiters: { count: number; resolve: () => void }[] = [];

  connect(serverName?: string): void {
    this.record(serverName === undefined ? { method: 'connect' } : { method: 'connect', serverName });
    this.current.connecting = true;
  }
  disconnect(): void {
    this.record({ method: 'disconnect' });
    this.current.connected = false;
    this.current.connecting = false;
  }
  startRecording(): void {
    this.record({ method: 'startRecording' });
    this.current.recording = true;
  }
  stopRecording(): void {
    this.record({ method: 'stopRecording' });
    this.current.recording = false;
  }
  splitRecording(): void {
    this.record({ method: 'splitRecording' });
  }
  quit(): void {
    this.record({ method: 'quit' });
  }
  setSong(title: string): void {
    this.record({ method: 'setSong', title });
    this.current.song = title;
  }
  setThreshold(kind: ThresholdKind, seconds: number): void {
    this.record({ method: 'setThreshold', kind, seconds });
  }
  status(): StatusV3 {
    this.statusCalls++;
    return { ...this.current };
  }

  /** Resolves once `count` calls have been recorded, or rejects after `ms`. */
  waitForCalls(count: number, ms = 5000): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.calls.length} of ${count} calls after ${ms} ms: ${JSON.stringify(this.calls)}`)), ms);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private record(call: TargetCall): void {
    this.calls.push(call);
    this.waiters = this.waiters.filter((w) => (this.calls.length >= w.count ? (w.resolve(), false) : true));
  }
}
