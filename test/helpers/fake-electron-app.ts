/**
 * A fake Electron `app` (plus signal source and powerMonitor) that models the quit state
 * machine described in shared/reference/electron-lifecycle.md, so main/app adapters can be
 * driven under plain Node. Never imports 'electron'.
 *
 * quit():  before-quit (preventable) -> each window's close (preventable) -> will-quit
 *          (preventable) -> quit -> exited with code 0.
 *          A quit() made inside that chain does nothing (#33643). "Inside" means synchronously
 *          from a listener or from a microtask a listener queued: Electron drains microtasks
 *          before control returns to its C++ quit code, so `.then(() => app.quit())` is inside
 *          the chain too. The chain closes on the next macrotask (setImmediate).
 * exit(c): skips before-quit, window close and will-quit; emits quit; exited with code c.
 */
import { EventEmitter } from 'node:events';

export interface FakePreventableEvent {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
}

export function preventableEvent(): FakePreventableEvent {
  let prevented = false;
  return {
    preventDefault: () => {
      prevented = true;
    },
    get defaultPrevented() {
      return prevented;
    },
  };
}

export class FakeElectronApp extends EventEmitter {
  /** What happened, in order: 'before-quit', 'before-quit:prevented', 'quit:ignored', 'exit(1)', ... */
  readonly history: string[] = [];
  /** Every exit(code) call, including those after the app had already exited. */
  readonly exitCalls: number[] = [];
  quitCalls = 0;
  exited = false;
  exitCode: number | undefined;
  private inQuitChain = false;
  private readonly windows: ((event: FakePreventableEvent) => void)[] = [];

  /** A window whose 'close' handler runs during a quit; it may veto with preventDefault(). */
  addWindow(onClose: (event: FakePreventableEvent) => void): void {
    this.windows.push(onClose);
  }

  /** Quits that were ignored because they were made inside the quit chain. */
  get ignoredQuits(): number {
    return this.history.filter((entry) => entry === 'quit:ignored').length;
  }

  quit(): void {
    this.quitCalls += 1;
    if (this.exited) return;
    if (this.inQuitChain) {
      this.history.push('quit:ignored');
      return;
    }
    this.inQuitChain = true;
    setImmediate(() => {
      this.inQuitChain = false;
    });
    if (!this.step('before-quit')) return;
    for (const onClose of this.windows) {
      const event = preventableEvent();
      onClose(event);
      if (event.defaultPrevented) {
        this.history.push('window-close:prevented');
        return;
      }
    }
    if (!this.step('will-quit')) return;
    this.finish(0);
  }

  exit(exitCode = 0): void {
    this.exitCalls.push(exitCode);
    this.history.push(`exit(${exitCode})`);
    if (this.exited) return;
    this.finish(exitCode);
  }

  private step(name: 'before-quit' | 'will-quit'): boolean {
    const event = preventableEvent();
    this.history.push(name);
    this.emit(name, event);
    if (!event.defaultPrevented) return true;
    this.history.push(`${name}:prevented`);
    return false;
  }

  private finish(exitCode: number): void {
    this.history.push('quit');
    this.emit('quit', preventableEvent(), exitCode);
    this.exited = true;
    this.exitCode = exitCode;
  }
}

/** Stands in for `process` as the adapter's source of SIGINT/SIGTERM/SIGHUP. */
export class FakeSignals extends EventEmitter {
  send(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP'): void {
    this.emit(signal);
  }
}

/** powerMonitor: 'shutdown' carries a preventable event at runtime (typed `() => void`). */
export class FakePowerMonitor extends EventEmitter {
  shutdown(): FakePreventableEvent {
    const event = preventableEvent();
    this.emit('shutdown', event);
    return event;
  }
}
