/**
 * The tray (TrayController through the desktop shell) fed with the host's real status parts
 * and engine events in the protocol's shapes; Electron's Tray is the fake behind TrayHandle.
 */
import { describe, expect, it } from 'vitest';
import { startDesktopShell } from '../../main/desktop/desktop-shell';
import { FakeHost, FakeShortcuts, FakeTray, FakeWindow, recordingRunner } from './fake-desktop';
import type { ShutdownTrigger } from '../../main/protocol/shutdown-report';

function setup(runner = recordingRunner()) {
  const host = new FakeHost();
  const window = new FakeWindow();
  let tray: FakeTray | undefined;
  const quits: ShutdownTrigger[] = [];
  const shell = startDesktopShell({
    host,
    run: runner.run,
    window,
    createTray: (initial) => (tray = new FakeTray(initial)),
    shortcuts: new FakeShortcuts(),
    ask: () => Promise.resolve(true),
    requestQuit: (trigger) => void quits.push(trigger),
    stopBeforeQuitMs: 200,
  });
  host.engineState({ state: 'running', pid: 4242 });
  return { host, window, tray: tray!, shell, quits, commands: runner.commands };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('tray icon and tooltip follow the host', () => {
  it('idle -> connecting -> on air -> on air + recording -> recording -> error -> idle', () => {
    const { host, tray } = setup();
    expect(tray.icon).toBe('idle');
    expect(tray.tooltip).toBe('Airtight: idle');

    host.streamState('Main', 'connecting');
    expect(tray.icon).toBe('connecting');
    expect(tray.tooltip).toBe('Airtight: connecting');

    host.streamState('Main', 'connected');
    host.status.update({ streamSeconds: 65 });
    expect(tray.icon).toBe('on-air');
    expect(tray.tooltip).toBe('Airtight: on air 0:01:05');

    host.engineEvent('recorder.status', { state: 'recording', path: '/rec/show.mp3' });
    host.engineEvent('recorder.status', { state: 'progress', path: '/rec/show.mp3', seconds: 3.6, bytes: 48_000, droppedFrames: 0 });
    expect(tray.icon).toBe('on-air'); // the air matters more than the file
    expect(tray.tooltip).toBe('Airtight: on air 0:01:05; recording 0:00:03');

    host.streamState('Main', 'stopped');
    expect(tray.icon).toBe('recording');
    expect(tray.tooltip).toBe('Airtight: recording 0:00:03');

    host.streamState('Main', 'retrying', { code: 'STREAM_CONNECT_FAILED', message: 'Connection refused' });
    expect(tray.icon).toBe('error');
    expect(tray.tooltip).toBe('Airtight: connecting; recording 0:00:03; Main: Connection refused (retrying)');

    host.streamState('Main', 'stopped');
    host.engineEvent('recorder.status', { state: 'stopped', summary: { parts: [], frames: 0, bytes: 0, durationSeconds: 3, droppedFrames: 0 } });
    expect(tray.icon).toBe('idle');
    // The icon is set on changes only (after the initial one and the first render).
    const repeats = tray.icons.slice(2).filter((icon, i) => icon === tray.icons[i + 1]);
    expect(repeats).toEqual([]);
  });

  it('shows an engine that died or restarts as an error, in words', () => {
    const { host, tray } = setup();
    host.engineState({ state: 'restarting', reason: 'killed by SIGKILL' });
    expect(tray.icon).toBe('error');
    expect(tray.tooltip).toBe('Airtight: engine restarting: killed by SIGKILL');
    host.engineState({ state: 'running', pid: 4343 });
    expect(tray.icon).toBe('idle');
  });

  it('keeps the tooltip within the 127 characters Windows shows', () => {
    const { host, tray } = setup();
    for (let i = 0; i < 5; i++) host.streamState(`Server number ${i}`, 'failed', { code: 'X', message: 'A long explanation of what went wrong at the server' });
    expect(tray.tooltip.length).toBeLessThanOrEqual(127);
    expect(tray.tooltip.endsWith('…')).toBe(true);
  });
});

describe('tray menu', () => {
  it('always has show/hide, and its items follow the state', () => {
    const { host, tray, window, shell } = setup();
    shell.window.readyToShow();
    expect(window.visible).toBe(true);
    expect(tray.labels()).toEqual(['Hide window', 'Start streaming', 'Start recording', 'Stop all (streaming, recording, AES67)', 'Stop all and quit']);
    tray.choose('Hide window');
    expect(window.visible).toBe(false);
    expect(tray.labels()[0]).toBe('Show window');
    tray.choose('Show window');
    expect(window.calls.slice(-2)).toEqual(['show', 'focus']);
    host.streamState('Main', 'connected');
    host.engineEvent('recorder.status', { state: 'recording', path: '/rec/a.wav' });
    expect(tray.labels().slice(1, 3)).toEqual(['Stop streaming', 'Stop recording']);
  });

  it('menu actions run the right commands', async () => {
    const { host, tray, commands } = setup();
    tray.choose('Start streaming');
    tray.choose('Start recording');
    host.streamState('Main', 'connected');
    host.engineEvent('recorder.status', { state: 'recording', path: '/rec/a.wav' });
    tray.choose('Stop streaming');
    tray.choose('Stop recording');
    tray.choose('Stop all (streaming, recording, AES67)');
    await flush();
    expect(commands).toEqual(['connect', 'record.start', 'disconnect', 'record.stop', 'stop.all']);
  });

  it('"stop all and quit" stops first, then quits with the tray trigger', async () => {
    const { tray, commands, quits } = setup();
    tray.choose('Stop all and quit');
    await flush();
    expect(commands).toEqual(['stop.all']);
    expect(quits).toEqual(['tray-quit']);
  });

  it('"stop all and quit" still quits when the stop never answers', async () => {
    const { tray, commands, quits, host } = setup(recordingRunner({ hang: true }));
    tray.choose('Stop all and quit');
    await flush();
    expect(quits).toEqual([]);
    await new Promise((r) => setTimeout(r, 400)); // past stopBeforeQuitMs (200)
    expect(commands).toEqual(['stop.all']);
    expect(quits).toEqual(['tray-quit']);
    expect(host.lines.some((l) => /did not finish within 200 ms; quitting anyway/.test(l.message))).toBe(true);
  });

  it('a failing command reaches the operator log with its code', async () => {
    const { tray, host } = setup(recordingRunner({ fail: 'connect' }));
    tray.choose('Start streaming');
    await flush();
    expect(host.lines.find((l) => l.level === 'error')).toMatchObject({ message: 'Connect (tray or shortcut): The engine is not running', error: { code: 'ENGINE_GONE' } });
  });

  it('quick stop reaches the command runner while the renderer is hung, and after it crashed', async () => {
    const { tray, shell, commands, window, host } = setup();
    host.streamState('Main', 'connected');
    // The renderer stops answering: nothing the tray does waits for it.
    shell.window.unresponsive();
    tray.choose('Stop all (streaming, recording, AES67)');
    await flush();
    expect(commands).toEqual(['stop.all']);
    shell.window.rendererGone({ reason: 'crashed', exitCode: 139 });
    tray.choose('Stop all (streaming, recording, AES67)');
    await flush();
    expect(commands).toEqual(['stop.all', 'stop.all']);
    expect(window.reloads).toBe(1);
  });

  it('leaves the tray at shutdown (freeze-inputs): no menu may start anything then', async () => {
    const { tray, host } = setup();
    await host.freezeInputs();
    expect(tray.destroyed).toBe(true);
  });
});
