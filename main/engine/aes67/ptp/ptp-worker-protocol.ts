/** Messages between the media clock (engine thread) and its worker thread. */
import type { AppError } from '../../../shared/errors';
import type { FollowerSnapshot } from './follower-core';
import type { ClockState } from './shared-clock';

export type ClockWorkerData =
  | { mode: 'ptp'; sab: SharedArrayBuffer; senderMapping: SharedArrayBuffer; iface?: string; domainNumber: number; eventPort?: number; generalPort?: number }
  | { mode: 'ptp4l'; sab: SharedArrayBuffer; senderMapping: SharedArrayBuffer; socketPath: string; domainNumber: number; pollMs: number };

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
