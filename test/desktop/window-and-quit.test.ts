/**
 * Window behaviour (start minimized, minimize to tray, always on top, renderer crash and hang)
 * and the quit confirmation, driven through the real quit adapter and the fake Electron app
 * that models Electron's quit state machine (test/helpers/fake-electron-app.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { startDesktopShell } from '../../main/desktop/desktop-shell';
import { installQuitAdapter } from '../../main/app/quit-adapter';
import type { QuitQuestion } from '../../main/desktop/quit-confirmation';
import type { ShutdownTrigger } from '../../main/protocol/shutdown-report';
import { FakeElectronApp, FakePowerMonitor, FakeSignals } from '../helpers/fake-electron-app';
import { FakeHost, FakeShortcuts, FakeTray, FakeWindow, recordingRunner } from './fake-desktop';

interface Asked {
  question: QuitQuestion;
  signal: AbortSignal;
  answer(quit: boolean): void;
}

function setup(options: { tray?: boolean; settings?: (host: FakeHost) => void } = {}) {
  const themes: string[] = [];
  const host = new FakeHost();
  options.settings?.(host);
  const window = new FakeWindow();
  const runner = recordingRunner();
  const asked: Asked[] = [];
  const app = new FakeElectronApp();
  const signals = new FakeSignals();
  const powerMonitor = new FakePowerMonitor();
  const quits: ShutdownTrigger[] = [];
  let requestQuit: (trigger: ShutdownTrigger) => void = () => undefined;
  const shell = startDesktopShell({
    host,
    run: runner.run,
    window,
    ...(options.tray === false ? {} : { createTray: (initial) => new FakeTray(initial) }),
    shortcuts: new FakeShortcuts(),
    ask: (question, signal) =>
      new Promise<boolean>((resolve) => {
        signal.addEventListener('abort', () => resolve(false));
        asked.push({ question, signal, answer: resolve });
      }),
    requestQuit: (trigger) => requestQuit(trigger),
    setTheme: (theme) => void themes.push(theme),
  });
  const adapter = installQuitAdapter({
    app,
    signals,
    powerMonitor,
    quit: (trigger) => {
      quits.push(trigger);
      return new Promise(() => undefined); // the shutdown itself is not under test here
    },
    confirm: shell.confirm,
    log: (message) => host.log.info(message),
  });
  requestQuit = (trigger) => adapter.requestQuit(trigger);
  return { host, window, shell, asked, app, signals, powerMonitor, quits, adapter, commands: runner.commands, themes };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const setInterface = (host: FakeHost, change: Record<string, unknown>): void => host.settingsStore.update((s) => ({ ...s, interface: { ...s.interface, ...change } }));

describe('window behaviour', () => {
  it('shows the window when ready, or starts minimized, or hidden in the tray', () => {
    const plain = setup();
    plain.shell.window.readyToShow();
    expect(plain.window.calls).toEqual(['show']);

    const minimized = setup({ settings: (h) => setInterface(h, { startMinimized: true }) });
    minimized.shell.window.readyToShow();
    expect(minimized.window.calls).toEqual(['minimize']);

    const inTray = setup({ settings: (h) => setInterface(h, { startMinimized: true, minimizeToTray: true }) });
    inTray.shell.window.readyToShow();
    expect(inTray.window.calls).toEqual([]);
    // Without a tray icon there would be no way back: minimized to the taskbar instead.
    const noTray = setup({ tray: false, settings: (h) => setInterface(h, { startMinimized: true, minimizeToTray: true }) });
    noTray.shell.window.readyToShow();
    expect(noTray.window.calls).toEqual(['minimize']);
  });

  it('minimize to tray hides the window on minimize, only when set', () => {
    const { shell, window, host } = setup();
    shell.window.readyToShow();
    shell.window.minimized();
    expect(window.calls).not.toContain('hide');
    setInterface(host, { minimizeToTray: true });
    shell.window.minimized();
    expect(window.calls.at(-1)).toBe('hide');
  });

  it('always on top follows the setting, also when it changes', () => {
    const { shell, window, host } = setup({ settings: (h) => setInterface(h, { alwaysOnTop: true }) });
    shell.window.readyToShow();
    expect(window.alwaysOnTop).toBe(true);
    setInterface(host, { alwaysOnTop: false });
    expect(window.alwaysOnTop).toBe(false);
  });

  it('the theme setting reaches Electron at start and on change', () => {
    const { host, themes } = setup({ settings: (h) => setInterface(h, { theme: 'dark' }) });
    setInterface(host, { theme: 'light' });
    expect(themes).toEqual(['dark', 'light']);
  });

  it('a quit the operator started shows the window, so the shutdown steps are seen; an OS shutdown does not', () => {
    const { host, window, shell } = setup();
    shell.window.hide();
    for (const sink of host.sinks) sink.shutdownStarted?.('os-shutdown');
    expect(window.visible).toBe(false);
    for (const sink of host.sinks) sink.shutdownStarted?.('tray-quit');
    expect(window.visible).toBe(true);
  });

  it('a crashed renderer is reloaded and logged; streaming is not touched', () => {
    const { shell, window, host, commands } = setup();
    host.streamState('Main', 'connected');
    shell.window.rendererGone({ reason: 'crashed', exitCode: 139 });
    expect(window.reloads).toBe(1);
    expect(host.lines.find((l) => l.error?.code === 'RENDERER_GONE')?.message).toMatch(/crashed, exit code 139.*streaming and recording go on/);
    expect(commands).toEqual([]);
    // A window that closes normally is no crash.
    shell.window.rendererGone({ reason: 'clean-exit', exitCode: 0 });
    expect(window.reloads).toBe(1);
  });

  it('stops reloading a renderer that keeps crashing, and says how to operate without it', () => {
    const { shell, window, host } = setup();
    for (let i = 0; i < 6; i++) shell.window.rendererGone({ reason: 'crashed', exitCode: 139 });
    expect(window.reloads).toBe(3);
    expect(host.lines.filter((l) => l.error?.code === 'RENDERER_CRASH_LOOP')).toHaveLength(1);
  });

  it('a hung renderer is ended and reloaded after the grace period; one that recovers is left alone', async () => {
    vi.useFakeTimers();
    try {
      const { shell, window, host } = setup();
      shell.window.unresponsive();
      vi.advanceTimersByTime(5_000);
      shell.window.responsive();
      vi.advanceTimersByTime(10_000);
      expect(window.crashes).toBe(0);
      shell.window.unresponsive();
      shell.window.unresponsive(); // Electron repeats the event: one timer
      vi.advanceTimersByTime(10_000);
      expect(window.crashes).toBe(1);
      expect(window.reloads).toBe(1);
      // The forced crash's own 'gone' event does not reload a second time.
      shell.window.rendererGone({ reason: 'killed', exitCode: 9 });
      expect(window.reloads).toBe(1);
      expect(host.codes()).toEqual(['RENDERER_UNRESPONSIVE']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('quit while on air', () => {
  it('asks before the shutdown starts when on air; "keep running" cancels, "quit" quits', async () => {
    const { host, app, asked, quits, adapter } = setup();
    host.streamState('Main', 'connected');
    app.quit(); // Cmd+Q / the app menu
    await tick();
    expect(asked).toHaveLength(1);
    expect(asked[0]!.question.message).toBe('Airtight is streaming. Quit anyway?');
    expect(quits).toEqual([]);
    expect(adapter.shuttingDown).toBe(false);
    asked[0]!.answer(false);
    await tick();
    expect(quits).toEqual([]);
    expect(host.lines.some((l) => /Quit \(app-quit\) cancelled/.test(l.message))).toBe(true);

    adapter.requestQuit('window-close');
    await tick();
    expect(asked).toHaveLength(2);
    asked[1]!.answer(true);
    await tick();
    expect(quits).toEqual(['window-close']);
  });

  it('names recording too, and asks nothing when nothing is on air', async () => {
    const { app, asked, quits } = setup();
    app.quit();
    await tick();
    expect(asked).toHaveLength(0);
    expect(quits).toEqual(['app-quit']);

    const second = setup();
    second.host.streamState('Main', 'connected');
    second.host.engineEvent('recorder.status', { state: 'recording', path: '/rec/a.wav' });
    second.app.quit();
    await tick();
    expect(second.asked[0]!.question.message).toBe('Airtight is streaming and recording. Quit anyway?');
  });

  it('asks nothing when the setting is off, nor for quits nobody asked for at this screen', async () => {
    const off = setup({ settings: (h) => setInterface(h, { confirmQuitWhileOnAir: false }) });
    off.host.streamState('Main', 'connected');
    off.app.quit();
    await tick();
    expect(off.asked).toHaveLength(0);
    expect(off.quits).toEqual(['app-quit']);

    for (const trigger of ['SIGTERM', 'os-shutdown', 'session-end', 'tray-quit', 'second-instance', 'control-port'] as const) {
      const s = setup();
      s.host.streamState('Main', 'connected');
      if (trigger === 'SIGTERM') s.signals.send('SIGTERM');
      else if (trigger === 'os-shutdown') s.powerMonitor.shutdown();
      else s.adapter.requestQuit(trigger);
      await tick();
      expect(s.asked, trigger).toHaveLength(0);
      expect(s.quits, trigger).toEqual([trigger]);
    }
  });

  it('an OS shutdown while the question is up closes it and quits at once', async () => {
    const { host, app, asked, quits, powerMonitor } = setup();
    host.streamState('Main', 'connected');
    app.quit();
    await tick();
    expect(asked).toHaveLength(1);
    const event = powerMonitor.shutdown();
    await tick();
    expect(event.defaultPrevented).toBe(true);
    expect(asked[0]!.signal.aborted).toBe(true);
    expect(quits).toEqual(['os-shutdown']);
    // The aborted question's late answer changes nothing.
    asked[0]!.answer(true);
    await tick();
    expect(quits).toEqual(['os-shutdown']);
  });

  it('"stop all and quit" in the tray asks nothing: it says what it does', async () => {
    const { host, quits, asked, commands, shell } = setup();
    host.streamState('Main', 'connected');
    await shell.actions.perform('stopAllAndQuit');
    await tick();
    expect(commands).toEqual(['stop.all']);
    expect(asked).toHaveLength(0);
    expect(quits).toEqual(['tray-quit']);
  });

  it('a question that cannot be shown does not keep the app from quitting', async () => {
    const host = new FakeHost();
    const app = new FakeElectronApp();
    const quits: ShutdownTrigger[] = [];
    installQuitAdapter({
      app,
      quit: (trigger) => {
        quits.push(trigger);
        return new Promise(() => undefined);
      },
      confirm: { mayAsk: () => true, ask: () => Promise.reject(new Error('no display')) },
      log: (message) => host.log.info(message),
    });
    app.quit();
    await tick();
    await tick();
    expect(quits).toEqual(['app-quit']);
  });
});
