/**
 * installQuitAdapter against a fake Electron app that models the real quit state machine
 * (test/helpers/fake-electron-app.ts). The host's quit function is a promise the test settles.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installQuitAdapter, type QuitAdapterDeps } from '../../main/app/quit-adapter';
import type { ShutdownTrigger } from '../../main/protocol/shutdown-report';
import { FakeElectronApp, FakePowerMonitor, FakeSignals } from '../helpers/fake-electron-app';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One macrotask: lets the fake app close its quit chain and the adapter's setImmediate run. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(overrides: Partial<QuitAdapterDeps> = {}) {
  const app = new FakeElectronApp();
  const signals = new FakeSignals();
  const powerMonitor = new FakePowerMonitor();
  const shutdown = deferred<{ clean: boolean }>();
  const quit = vi.fn((_trigger: ShutdownTrigger) => shutdown.promise);
  const forceKillEngine = vi.fn();
  const logs: string[] = [];
  const adapter = installQuitAdapter({
    app,
    signals,
    powerMonitor,
    quit,
    forceKillEngine,
    log: (message) => logs.push(message),
    exitFallbackMs: 1000,
    ...overrides,
  });
  const count = (entry: string): number => app.history.filter((e) => e === entry).length;
  const waitForExit = (): Promise<void> => vi.waitFor(() => expect(app.exited).toBe(true), { timeout: 2000, interval: 5 });
  return { app, signals, powerMonitor, shutdown, quit, forceKillEngine, logs, adapter, count, waitForExit };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the fake app models Electron quit semantics', () => {
  it('ignores a quit made inside the before-quit chain, synchronously or from a microtask, but not on a fresh tick', async () => {
    const app = new FakeElectronApp();
    let vetoes = 1;
    app.on('before-quit', (event: { preventDefault(): void }) => {
      if (vetoes-- <= 0) return;
      event.preventDefault();
      app.quit(); // synchronous re-quit
      void Promise.resolve().then(() => app.quit()); // re-quit from a microtask
    });
    app.quit();
    await tick();
    expect(app.ignoredQuits).toBe(2);
    expect(app.exited).toBe(false);
    app.quit(); // a fresh tick
    expect(app.history).toEqual(['before-quit', 'quit:ignored', 'before-quit:prevented', 'quit:ignored', 'before-quit', 'will-quit', 'quit']);
    expect(app.exitCode).toBe(0);
  });

  it('exit(code) skips before-quit and will-quit, emits quit and keeps the code', () => {
    const app = new FakeElectronApp();
    const beforeQuit = vi.fn();
    app.on('before-quit', beforeQuit);
    app.exit(7);
    expect(beforeQuit).not.toHaveBeenCalled();
    expect(app.history).toEqual(['exit(7)', 'quit']);
    expect(app.exitCode).toBe(7);
  });
});

describe('installQuitAdapter', () => {
  it('holds before-quit while the shutdown runs and calls the host quit function once for repeated quits and a signal', async () => {
    const { app, signals, adapter, quit, count } = setup();
    app.quit();
    await tick();
    app.quit();
    await tick();
    signals.send('SIGTERM');
    await tick();
    adapter.requestQuit('window-close');
    await tick();
    expect(count('before-quit:prevented')).toBe(4); // every request reached the adapter and was held
    expect(quit).toHaveBeenCalledTimes(1);
    expect(quit).toHaveBeenCalledWith('app-quit');
    expect(adapter.shuttingDown).toBe(true);
    expect(adapter.mayExit).toBe(false);
    expect(app.exited).toBe(false);
  });

  it('does not let the app exit until the shutdown resolves, then quits with code 0', async () => {
    const { app, shutdown, adapter, count, waitForExit } = setup();
    app.quit();
    for (let i = 0; i < 5; i++) await tick();
    expect(app.exited).toBe(false);
    expect(count('will-quit')).toBe(0);
    shutdown.resolve({ clean: true });
    await waitForExit();
    expect(adapter.mayExit).toBe(true);
    expect(app.exitCode).toBe(0);
    expect(app.exitCalls).toEqual([]); // exited through quit(), not the fallback
    expect(app.history.slice(-3)).toEqual(['before-quit', 'will-quit', 'quit']);
  });

  it('needs the fresh tick: a re-quit made straight from the settled promise is ignored', async () => {
    // The host's quit is memoized: when a shutdown already ran (say, from the control port),
    // it returns a settled promise and the adapter's .then runs inside the before-quit chain.
    const { app, adapter } = setup({ quit: () => Promise.resolve({ clean: true }), schedule: (fn) => fn() });
    app.quit();
    await tick();
    expect(adapter.mayExit).toBe(true);
    expect(app.ignoredQuits).toBe(1);
    expect(app.exited).toBe(false);
  });

  it('re-issues quit on a fresh tick, so it is not ignored, even when the shutdown had already finished', async () => {
    const { app, waitForExit } = setup({ quit: () => Promise.resolve({ clean: true }) });
    app.quit();
    await waitForExit();
    expect(app.ignoredQuits).toBe(0);
    expect(app.exitCalls).toEqual([]);
    expect(app.exitCode).toBe(0);
  });

  it.each([
    ['an unclean report', (d: Deferred<{ clean: boolean }>) => d.resolve({ clean: false })],
    ['a rejected shutdown', (d: Deferred<{ clean: boolean }>) => d.reject(new Error('coordinator failed'))],
  ])('exits with code 1 after %s', async (_name, settle) => {
    const { app, shutdown, waitForExit } = setup();
    app.quit();
    await tick();
    settle(shutdown);
    await waitForExit();
    expect(app.exitCode).toBe(1);
    expect(app.exitCalls).toEqual([1]);
  });

  it('exits with code 1 when the quit function throws instead of rejecting', async () => {
    const { app, waitForExit } = setup({
      quit: () => {
        throw new Error('not even a promise');
      },
    });
    app.quit();
    await waitForExit();
    expect(app.exitCode).toBe(1);
  });

  it('acknowledges a second signal in the log without exiting or starting a second shutdown', async () => {
    const { app, signals, quit, logs, forceKillEngine, shutdown, waitForExit } = setup();
    signals.send('SIGTERM');
    await tick();
    signals.send('SIGINT');
    await tick();
    expect(quit).toHaveBeenCalledTimes(1);
    expect(quit).toHaveBeenCalledWith('SIGTERM');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/SIGINT received again/);
    expect(forceKillEngine).not.toHaveBeenCalled();
    expect(app.exited).toBe(false);
    shutdown.resolve({ clean: true });
    await waitForExit();
    expect(app.exitCode).toBe(0);
  });

  it('on a third signal kills the engine, then exits with 130 without waiting for the shutdown', async () => {
    const { app, signals, quit, logs, forceKillEngine } = setup();
    let appAliveAtKill: boolean | undefined;
    forceKillEngine.mockImplementation(() => {
      appAliveAtKill = !app.exited;
    });
    for (const signal of ['SIGTERM', 'SIGTERM', 'SIGHUP'] as const) {
      signals.send(signal);
      await tick();
    }
    expect(forceKillEngine).toHaveBeenCalledTimes(1);
    expect(appAliveAtKill).toBe(true);
    expect(app.exitCalls).toEqual([130]);
    expect(app.exitCode).toBe(130);
    expect(app.history).not.toContain('will-quit');
    expect(quit).toHaveBeenCalledTimes(1);
    expect(logs.at(-1)).toMatch(/SIGHUP received a third time/);
  });

  it("holds an OS shutdown (powerMonitor 'shutdown') and runs with trigger 'os-shutdown'", async () => {
    const { app, powerMonitor, quit, shutdown, waitForExit } = setup();
    const event = powerMonitor.shutdown();
    expect(event.defaultPrevented).toBe(true);
    expect(quit).toHaveBeenCalledWith('os-shutdown');
    shutdown.resolve({ clean: true });
    await waitForExit();
    expect(app.exitCode).toBe(0);
  });

  it("passes requestQuit's trigger, and a window that holds its close until mayExit does not block the exit", async () => {
    const { app, adapter, quit, shutdown, count, waitForExit } = setup();
    // The main window's close handler, as in electron-main.ts.
    app.addWindow((event) => {
      if (adapter.mayExit) return;
      event.preventDefault();
      adapter.requestQuit('window-close');
    });
    adapter.requestQuit('window-close');
    expect(quit).toHaveBeenCalledTimes(1);
    expect(quit).toHaveBeenCalledWith('window-close');
    shutdown.resolve({ clean: true });
    await waitForExit();
    expect(count('window-close:prevented')).toBe(0);
    expect(app.exitCalls).toEqual([]);
    expect(app.exitCode).toBe(0);
  });

  it('falls back to app.exit within exitFallbackMs when a window vetoes the re-issued quit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const { app, shutdown, count } = setup({ exitFallbackMs: 500 });
    app.addWindow((event) => event.preventDefault()); // a renderer beforeunload that says no
    app.quit();
    shutdown.resolve({ clean: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(count('window-close:prevented')).toBe(1); // the re-quit happened and was vetoed
    expect(app.exited).toBe(false);
    await vi.advanceTimersByTimeAsync(499);
    expect(app.exited).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(app.exitCalls).toEqual([0]);
    expect(app.exitCode).toBe(0);
  });

  it('after the shutdown finished, a later quit goes straight through without running it again', async () => {
    const { app, adapter, quit, shutdown, count, waitForExit } = setup();
    let vetoes = 1;
    app.addWindow((event) => {
      if (vetoes-- > 0) event.preventDefault();
    });
    app.quit();
    shutdown.resolve({ clean: true });
    await vi.waitFor(() => expect(count('window-close:prevented')).toBe(1), { timeout: 2000, interval: 5 });
    expect(app.exited).toBe(false);
    await tick();
    adapter.requestQuit('tray-quit');
    await waitForExit();
    expect(quit).toHaveBeenCalledTimes(1);
    expect(app.exitCalls).toEqual([]);
    expect(app.exitCode).toBe(0);
  });
});
