/**
 * The desktop side put together: tray, global shortcuts, notifications, window behaviour and
 * the quit confirmation, fed by the host's events. Plain Node: the Electron adapter
 * (main/app/desktop-adapter.ts) hands in Electron-backed handles, tests hand in fakes.
 */
import type { ShutdownTrigger } from '../protocol/shutdown-report';
import { DesktopActions, type RunCommand } from './desktop-actions';
import { DesktopStatus } from './desktop-status';
import type { DesktopHost } from './host-binding';
import { NotificationController, type DesktopNotification } from './notification-controller';
import { quitConfirmer, type QuitQuestion } from './quit-confirmation';
import { ShortcutController, type ShortcutRegistrar } from './shortcut-controller';
import { TrayController, type TrayFactory } from './tray-controller';
import { WindowController, type WindowHandle } from './window-controller';

export interface DesktopShellDeps {
  host: DesktopHost;
  run: RunCommand;
  window: WindowHandle;
  /** Undefined where the desktop has no tray. */
  createTray?: TrayFactory;
  shortcuts: ShortcutRegistrar;
  /** Undefined where the desktop has no notifications. */
  notify?(notification: DesktopNotification): void;
  ask(question: QuitQuestion, signal: AbortSignal): Promise<boolean>;
  requestQuit(trigger: ShutdownTrigger): void;
  /** Appended to a refused shortcut's message (Wayland: use `airtight --stop-all`). */
  shortcutRefusalHint?: string;
  stopBeforeQuitMs?: number;
  /** Electron's nativeTheme.themeSource: the window's chrome and the page's prefers-color-scheme. */
  setTheme?(theme: 'system' | 'dark' | 'light'): void;
}

export function startDesktopShell(deps: DesktopShellDeps) {
  const { host } = deps;
  const status = new DesktopStatus();
  let trayUp = false;
  const window = new WindowController({
    window: deps.window,
    settings: () => host.settings().interface,
    trayAvailable: () => trayUp,
    log: host.log,
  });
  const actions = new DesktopActions({
    run: deps.run,
    status: () => status.view(),
    toggleWindow: () => window.toggle(),
    quit: deps.requestQuit,
    log: host.log,
    ...(deps.stopBeforeQuitMs !== undefined ? { stopBeforeQuitMs: deps.stopBeforeQuitMs } : {}),
  });
  const tray = deps.createTray ? new TrayController({ createTray: deps.createTray, status, actions, windowVisible: () => window.visible }) : undefined;
  const shortcuts = new ShortcutController({
    registrar: deps.shortcuts,
    perform: (action) => void actions.perform(action),
    log: host.log,
    ...(deps.shortcutRefusalHint ? { refusalHint: deps.shortcutRefusalHint } : {}),
  });
  const notifications = deps.notify
    ? new NotificationController({ notify: deps.notify, settings: () => host.settings().interface.notifications, onAir: () => status.view().streaming || status.view().recording })
    : undefined;
  const confirm = quitConfirmer({
    enabled: () => host.settings().interface.confirmQuitWhileOnAir,
    onAir: () => status.view(),
    ask: deps.ask,
  });

  // Host events -> the status the tray shows and the notifications.
  status.onLiveStatus(host.liveStatus());
  host.onLiveStatus((live) => status.onLiveStatus(live));
  host.onEngineEvent((event, data) => {
    if (event === 'stream.state') {
      const update = data as { server: string; state: { state: string; error?: { message: string } } };
      status.onStreamState(update);
      notifications?.onStreamState(update);
    } else if (event === 'audio.signal') notifications?.onSignal(data as { state: 'unknown' | 'present' | 'absent' });
  });
  host.addSink({
    name: 'tray',
    engineState: (state) => status.onEngineState(state),
    // A user-started quit shows the window, so the shutdown steps are seen.
    shutdownStarted: (trigger) => {
      if (trigger === 'app-quit' || trigger === 'window-close' || trigger === 'tray-quit') window.showAndFocus();
    },
  });
  window.onVisibilityChange(() => tray?.windowVisibilityChanged());

  if (tray) {
    try {
      tray.start();
      trayUp = true;
    } catch (error) {
      host.log.warn(`No tray icon on this desktop (${error instanceof Error ? error.message : String(error)}); use the window, the shortcuts or the command line.`, {
        code: 'TRAY_UNAVAILABLE',
        message: 'No tray icon on this desktop',
      });
    }
  }
  shortcuts.apply(host.settings().interface.shortcuts.global);
  deps.setTheme?.(host.settings().interface.theme);
  host.onSettingsChange((settings) => {
    shortcuts.apply(settings.interface.shortcuts.global);
    window.applySettings();
    deps.setTheme?.(settings.interface.theme);
  });
  host.addInput({
    name: 'tray and global shortcuts',
    freeze: () => {
      shortcuts.freeze();
      tray?.freeze();
    },
  });

  return { status, actions, window, tray, shortcuts, notifications, confirm };
}
export type DesktopShell = ReturnType<typeof startDesktopShell>;
