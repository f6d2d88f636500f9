/**
 * Maps Electron's quit machinery onto the host's one shutdown sequence.
 * - before-quit is held (preventDefault) exactly once while the sequence runs, then quit is
 *   re-issued on a fresh tick: calling app.quit() inside the chain is ignored (#33643).
 * - POSIX signals: the first quits; a second is acknowledged; a third forces exit after
 *   killing the engine (the operator insists, and the recorder is crash-safe by design).
 * - powerMonitor 'shutdown' and Windows 'session-end' use the fast profile.
 * - An optional confirmation ("quit while on air?") runs BEFORE the shutdown sequence starts.
 *   A trigger that needs none (OS shutdown, session end, a signal) arriving while the question
 *   is up closes the question and quits at once: the OS never waits for a dialog.
 * Electron's own types are checked against these interfaces in electron-types.check.ts.
 */
import type { ShutdownTrigger } from '../protocol/shutdown-report';

export interface PreventableEvent {
  preventDefault(): void;
}

export interface QuitApp {
  on(event: 'before-quit', listener: (event: PreventableEvent) => void): unknown;
  quit(): void;
  exit(exitCode?: number): void;
}

export interface ShutdownNotifier {
  on(event: 'shutdown', listener: (event: PreventableEvent) => void): unknown;
}

export type QuitSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export interface SignalSource {
  on(signal: QuitSignal, listener: () => void): unknown;
}

export interface QuitAdapterDeps {
  app: QuitApp;
  quit(trigger: ShutdownTrigger): Promise<{ clean: boolean }>;
  powerMonitor?: ShutdownNotifier;
  signals?: SignalSource;
  /** Last resort for the third signal: kill the engine without waiting. */
  forceKillEngine?(): void;
  log?(message: string): void;
  /** How long the re-issued quit may take before app.exit() (a window may veto it). */
  exitFallbackMs?: number;
  schedule?(fn: () => void): void;
  confirm?: QuitConfirm;
}

/** Asks before quitting (main/desktop/quit-confirmation.ts decides when). */
export interface QuitConfirm {
  /** Whether this trigger may need a question at all (cheap, synchronous). */
  mayAsk(trigger: ShutdownTrigger): boolean;
  /** True = quit. The signal aborts the question when a quit that cannot wait arrives. */
  ask(trigger: ShutdownTrigger, signal: AbortSignal): Promise<boolean>;
}

export interface QuitAdapter {
  requestQuit(trigger: ShutdownTrigger): void;
  /** True once the shutdown has finished and Electron may close windows and exit. */
  readonly mayExit: boolean;
  readonly shuttingDown: boolean;
}

export function installQuitAdapter(deps: QuitAdapterDeps): QuitAdapter {
  const schedule = deps.schedule ?? ((fn: () => void) => setImmediate(fn));
  const log = deps.log ?? (() => undefined);
  let state: 'idle' | 'confirming' | 'shutting-down' | 'may-exit' = 'idle';
  let question: AbortController | undefined;
  let pendingTrigger: ShutdownTrigger | undefined;
  let exitCode = 0;
  let signalsSeen = 0;

  const requestQuit = (trigger: ShutdownTrigger): void => {
    // While the question is up, a newer trigger replaces the one being asked about.
    if (state === 'confirming') pendingTrigger = trigger;
    else pendingTrigger ??= trigger;
    deps.app.quit();
  };

  deps.app.on('before-quit', (event) => {
    if (state === 'may-exit') return;
    event.preventDefault();
    if (state === 'shutting-down') return;
    const trigger = pendingTrigger ?? 'app-quit';
    if (state === 'confirming') {
      // Asked again while the question is up: only a quit that cannot wait overrides it.
      if (deps.confirm?.mayAsk(trigger)) return;
      question?.abort();
      return start(trigger);
    }
    if (deps.confirm?.mayAsk(trigger)) return confirmThenStart(deps.confirm, trigger);
    start(trigger);
  });

  function confirmThenStart(confirm: QuitConfirm, trigger: ShutdownTrigger): void {
    state = 'confirming';
    const controller = new AbortController();
    question = controller;
    const decided = (go: boolean): void => {
      if (state !== 'confirming' || question !== controller) return; // overridden meanwhile
      question = undefined;
      if (go) return start(trigger);
      state = 'idle';
      pendingTrigger = undefined;
      log(`Quit (${trigger}) cancelled by the operator.`);
    };
    let asked: Promise<boolean>;
    try {
      asked = confirm.ask(trigger, controller.signal);
    } catch (error) {
      asked = Promise.reject(error);
    }
    // A question that cannot be shown must not keep the app from quitting.
    void asked.then(decided, (error: unknown) => {
      log(`The quit confirmation failed (${String(error)}); quitting.`);
      decided(true);
    });
  }

  function start(trigger: ShutdownTrigger): void {
    state = 'shutting-down';
    let running: Promise<{ clean: boolean }>;
    try {
      running = deps.quit(trigger);
    } catch (error) {
      // A quit function that throws instead of rejecting must not leave before-quit held forever.
      running = Promise.reject(error);
    }
    void running.then(
      (report) => finish(report.clean ? 0 : 1),
      () => finish(1),
    );
  }

  function finish(code: number): void {
    state = 'may-exit';
    exitCode = code;
    schedule(() => {
      // app.quit() always ends the process with code 0: an unclean shutdown must say so
      // through app.exit(). The shutdown already ran, so skipping before-quit/will-quit and
      // window close handlers loses nothing of ours.
      if (exitCode !== 0) return deps.app.exit(exitCode);
      deps.app.quit();
      // If a window vetoes the close, the app must still exit: the shutdown already ran.
      const fallback = setTimeout(() => deps.app.exit(exitCode), deps.exitFallbackMs ?? 2000);
      fallback.unref?.();
    });
  }

  deps.powerMonitor?.on('shutdown', (event) => {
    event.preventDefault(); // delays the OS shutdown until our quit completes
    requestQuit('os-shutdown');
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    deps.signals?.on(signal, () => {
      signalsSeen += 1;
      if (signalsSeen === 1) return requestQuit(signal);
      if (signalsSeen === 2) return log(`${signal} received again: already shutting down. Send it once more to force an exit.`);
      log(`${signal} received a third time: forcing exit.`);
      deps.forceKillEngine?.();
      deps.app.exit(130);
    });
  }

  return {
    requestQuit,
    get mayExit() {
      return state === 'may-exit';
    },
    get shuttingDown() {
      return state === 'shutting-down' || state === 'may-exit';
    },
  };
}
