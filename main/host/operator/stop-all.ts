/**
 * Quick stop: streaming, recording and the AES67 output off at once, concurrently, each
 * outcome reported on its own (one failing does not hold up the others). Main -> engine
 * directly, no renderer involved, so the tray can call it while the window is frozen. The
 * app stays open.
 */
import type { AppError } from '../../shared/errors';
import { toAppError } from '../../shared/errors';
import type { StopAllResult, StopOutcome } from '../../protocol/operator-api';

export interface StopAllTargets {
  /** Whether each is on now (from the live status / AES67 state). */
  isStreaming(): boolean;
  isRecording(): boolean;
  isAes67Running(): boolean;
  stopStreaming(): Promise<unknown>;
  stopRecording(): Promise<unknown>;
  stopAes67(): Promise<unknown>;
}

async function stopOne(on: boolean, stop: () => Promise<unknown>, code: string, what: string): Promise<StopOutcome> {
  if (!on) return { state: 'was-off' };
  try {
    await stop();
    return { state: 'stopped' };
  } catch (error) {
    const appErr: AppError = toAppError(error, code, `${what} could not be stopped`);
    return { state: 'failed', error: appErr };
  }
}

export async function stopAll(targets: StopAllTargets): Promise<StopAllResult> {
  const [streaming, recording, aes67] = await Promise.all([
    stopOne(targets.isStreaming(), () => targets.stopStreaming(), 'STOP_STREAMING_FAILED', 'Streaming'),
    stopOne(targets.isRecording(), () => targets.stopRecording(), 'STOP_RECORDING_FAILED', 'The recording'),
    stopOne(targets.isAes67Running(), () => targets.stopAes67(), 'STOP_AES67_FAILED', 'The AES67 output'),
  ]);
  return { streaming, recording, aes67 };
}

/** One line for the operator log: what stopped, what was already off, what failed and why. */
export function describeStopAll(result: StopAllResult): string {
  const parts = (Object.entries(result) as [string, StopOutcome][]).map(([what, outcome]) =>
    outcome.state === 'failed' ? `${what} FAILED (${outcome.error?.message})` : `${what} ${outcome.state === 'stopped' ? 'stopped' : 'was off'}`,
  );
  return `Stop all: ${parts.join(', ')}.`;
}
