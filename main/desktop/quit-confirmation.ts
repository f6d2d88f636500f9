/**
 * "Really quit while on air?" Asked only when the operator asked to quit (menu, Cmd+Q, the
 * window's close button) while streaming or recording, and the setting is on. Never for a
 * quit the operator did not start at this screen: an OS shutdown or session end must not wait
 * for a dialog nobody may be looking at, and a signal, `--quit`, the command port or the event
 * API are scripted on purpose. "Stop all and quit" in the tray says what it does: no question.
 */
import type { ShutdownTrigger } from '../protocol/shutdown-report';

/** Triggers where an operator at this screen asked to quit. */
const ASKED_AT_THE_SCREEN: ReadonlySet<ShutdownTrigger> = new Set(['app-quit', 'window-close']);

export interface QuitConfirmationDeps {
  enabled(): boolean;
  /** What is on now, in the words of the question. */
  onAir(): { streaming: boolean; recording: boolean };
  /** Shows the question; resolves true to quit. Aborted (resolve false) when the signal fires. */
  ask(question: QuitQuestion, signal: AbortSignal): Promise<boolean>;
}

export interface QuitQuestion {
  message: string;
  detail: string;
  quitLabel: string;
  stayLabel: string;
}

export function needsConfirmation(trigger: ShutdownTrigger, enabled: boolean, onAir: { streaming: boolean; recording: boolean }): boolean {
  return enabled && ASKED_AT_THE_SCREEN.has(trigger) && (onAir.streaming || onAir.recording);
}

export function quitQuestion(onAir: { streaming: boolean; recording: boolean }): QuitQuestion {
  const what = onAir.streaming && onAir.recording ? 'streaming and recording' : onAir.streaming ? 'streaming' : 'recording';
  return {
    message: `Airtight is ${what}. Quit anyway?`,
    detail: `Quitting ends ${onAir.streaming ? 'the stream (listeners hear it stop)' : ''}${onAir.streaming && onAir.recording ? ' and ' : ''}${onAir.recording ? 'the recording (the file is finished and kept)' : ''}.`,
    quitLabel: 'Quit',
    stayLabel: 'Keep running',
  };
}

/** The quit adapter's confirm hook (main/app/quit-adapter.ts QuitConfirm). */
export function quitConfirmer(deps: QuitConfirmationDeps): {
  mayAsk(trigger: ShutdownTrigger): boolean;
  ask(trigger: ShutdownTrigger, signal: AbortSignal): Promise<boolean>;
} {
  return {
    mayAsk: (trigger) => needsConfirmation(trigger, deps.enabled(), deps.onAir()),
    ask: (_trigger, signal) => deps.ask(quitQuestion(deps.onAir()), signal),
  };
}
