/** Notifications from engine events (protocol shapes), per-kind settings and the rate limit. */
import { describe, expect, it } from 'vitest';
import { startDesktopShell } from '../../main/desktop/desktop-shell';
import type { DesktopNotification } from '../../main/desktop/notification-controller';
import { FakeHost, FakeShortcuts, FakeTray, FakeWindow, recordingRunner } from './fake-desktop';

function setup() {
  const host = new FakeHost();
  const shown: DesktopNotification[] = [];
  const shell = startDesktopShell({
    host,
    run: recordingRunner().run,
    window: new FakeWindow(),
    createTray: (initial) => new FakeTray(initial),
    shortcuts: new FakeShortcuts(),
    notify: (n) => void shown.push(n),
    ask: () => Promise.resolve(true),
    requestQuit: () => undefined,
  });
  return { host, shown, shell };
}

const refused = { code: 'STREAM_CONNECT_FAILED', message: 'Connection refused' };

describe('notifications', () => {
  it('a dropped stream, its reconnect, and a stream that never connected', () => {
    const { host, shown } = setup();
    host.streamState('Main', 'connecting');
    host.streamState('Main', 'connected');
    expect(shown).toEqual([]); // a first connect is no news
    host.streamState('Main', 'retrying', refused);
    host.streamState('Main', 'connecting');
    host.streamState('Main', 'connected');
    host.streamState('Backup', 'connecting');
    host.streamState('Backup', 'failed', { code: 'STREAM_AUTH_FAILED', message: 'Wrong password' });
    expect(shown).toEqual([
      { title: 'Disconnected from Main', body: 'Connection refused Reconnecting...', urgency: 'critical' },
      { title: 'Reconnected to Main', body: 'Streaming again.', urgency: 'normal' },
      { title: 'Could not connect to Backup', body: 'Wrong password', urgency: 'critical' },
    ]);
  });

  it('an operator disconnect is not a notification', () => {
    const { host, shown } = setup();
    host.streamState('Main', 'connected');
    host.streamState('Main', 'stopped');
    expect(shown).toEqual([]);
  });

  it('silence only while on air or recording, once per silence', () => {
    const { host, shown } = setup();
    host.engineEvent('audio.signal', { state: 'absent' });
    expect(shown).toEqual([]); // nothing on air: silence is nobody's problem
    host.engineEvent('audio.signal', { state: 'present' });
    host.engineEvent('recorder.status', { state: 'recording', path: '/rec/a.wav' });
    host.engineEvent('audio.signal', { state: 'absent' });
    host.engineEvent('audio.signal', { state: 'absent' });
    expect(shown.map((n) => n.title)).toEqual(['Silence on the air']);
  });

  it('each kind follows its setting', () => {
    const { host, shown } = setup();
    host.settingsStore.update((s) => ({ ...s, interface: { ...s.interface, notifications: { disconnect: false, reconnect: true, silence: false } } }));
    host.streamState('Main', 'connected');
    host.streamState('Main', 'retrying', refused);
    host.streamState('Main', 'connected');
    host.engineEvent('audio.signal', { state: 'absent' });
    expect(shown.map((n) => n.title)).toEqual(['Reconnected to Main']);
  });

  it('a flapping connection is rate-limited: one per server and kind within 30 s, six a minute in all', () => {
    const { host, shown, shell } = setup();
    for (let i = 0; i < 10; i++) {
      host.streamState('Main', 'connected');
      host.streamState('Main', 'retrying', refused);
    }
    expect(shown.map((n) => n.title)).toEqual(['Disconnected from Main', 'Reconnected to Main']);
    for (let s = 0; s < 10; s++) {
      host.streamState(`S${s}`, 'connected');
      host.streamState(`S${s}`, 'retrying', refused);
    }
    expect(shown).toHaveLength(6);
    expect(shell.notifications!.suppressed).toBeGreaterThan(10);
  });
});
