/** Messages between the media clock (engine thread) and its worker thread. */
import type { AppError } from '../../../shared/errors';
import type { FollowerSnapshot } from './follower-core';
import type { ClockState } from './shared-clock';

/** What both modes get; `nativeCalls`: the thread's native call guard (native/native-call-guard.ts). */
interface ClockWorkerCommon {
  sab: SharedArrayBuffer;
  senderMapping: SharedArrayBuffer;
  nativeCalls: SharedArrayBuffer;
  domainNumber: number;
}

export type ClockWorkerData =
  | (ClockWorkerCommon & { mode: 'ptp'; iface?: string; eventPort?: number; generalPort?: number })
  | (ClockWorkerCommon & { mode: 'ptp4l'; socketPath: string; pollMs: number });

export type ClockWorkerCommand = { type: 'stop' } | { type: 'snapshot' };

export type ClockWorkerEvent =
  | { type: 'started'; description: string }
  | { type: 'start-failed'; error: AppError }
  | { type: 'state'; state: ClockState; reason: string }
  | { type: 'grandmaster'; id: string | null; previous: string | null }
  | { type: 'warning'; error: AppError }
  | { type: 'snapshot'; snapshot: FollowerSnapshot | Record<string, unknown> }
  /** Sent once every socket the worker owned is closed (memberships dropped). */
  | { type: 'sockets-closed' };
