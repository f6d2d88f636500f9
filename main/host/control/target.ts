/**
 * What the control server drives. The host implements it over the engine; tests use an
 * in-memory one. Every method may be async; the server never runs two commands at once and
 * never waits on one forever (see command-runner.ts).
 */
import type { StatusV3, ThresholdKind } from './wire';

export type { StatusV3, ThresholdKind } from './wire';

export interface ControlTarget {
  /** Connect to the selected server, or to the one named (an unknown name is ignored, as BUTT does). */
  connect(serverName?: string): void | Promise<void>;
  /** Disconnect; also cancels a connect in progress. */
  disconnect(): void | Promise<void>;
  startRecording(): void | Promise<void>;
  stopRecording(): void | Promise<void>;
  splitRecording(): void | Promise<void>;
  /** Quit without confirmation (the host runs its shutdown with trigger `control-port`). */
  quit(): void | Promise<void>;
  /** A new title; prefix, suffix and delay from the settings apply. */
  setSong(title: string): void | Promise<void>;
  /** Seconds from 0 to 86400 (0 turns that automation off); may have a fraction. */
  setThreshold(kind: ThresholdKind, seconds: number): void | Promise<void>;
  /** Live values for BUTT's status packet. */
  status(): StatusV3 | Promise<StatusV3>;
}

/** The status of an idle instance: nothing connected, nothing recorded, meters at the floor. */
export function idleStatus(): StatusV3 {
  return {
    connected: false,
    connecting: false,
    recording: false,
    signal: false,
    silence: false,
    volumeLeftDb: -90,
    volumeRightDb: -90,
    streamSeconds: 0,
    streamKBytes: 0,
    recordSeconds: 0,
    recordKBytes: 0,
    song: '',
    recordPath: '',
    listeners: -1,
  };
}
