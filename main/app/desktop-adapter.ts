/**
 * Electron-backed handles for the desktop controllers (main/desktop/): Tray and Menu,
 * globalShortcut, Notification, the quit question's dialog, and the main window. Nothing
 * here decides anything; the controllers do, and they are tested with fakes.
 */
import { app, dialog, globalShortcut, Menu, nativeImage, nativeTheme, Notification, Tray, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import type { DesktopNotification } from '../desktop/notification-controller';
import type { QuitQuestion } from '../desktop/quit-confirmation';
import type { ShortcutRegistrar } from '../desktop/shortcut-controller';
import type { TrayState } from '../desktop/desktop-status';
import type { TrayFactory, TrayMenuItem } from '../desktop/tray-controller';
import type { WindowHandle } from '../desktop/window-controller';
import type { DesktopAction } from '../desktop/desktop-actions';

/**
 * resources/ ships next to the app (electron-builder extraResources) or sits in the checkout,
 * two levels above the built out/main/index.js (whatever the app path Electron was given).
 */
function resourcesDir(): string {
  return app.isPackaged ? process.resourcesPath : join(__dirname, '..', '..', 'resources');
}

function trayIcon(state: TrayState) {
  return nativeImage.createFromPath(join(resourcesDir(), 'tray', `${state}.png`));
}

export const electronTrayFactory: TrayFactory = (initial) => {
  const tray = new Tray(trayIcon(initial));
  return {
    setIcon: (state) => tray.setImage(trayIcon(state)),
    setToolTip: (text) => tray.setToolTip(text),
    setMenu: (items: TrayMenuItem[], onClick: (id: DesktopAction) => void) => {
      const template: MenuItemConstructorOptions[] = items.map((item) =>
        item.type === 'separator' ? { type: 'separator' } : { label: item.label, enabled: item.enabled, click: () => onClick(item.id) },
      );
      tray.setContextMenu(Menu.buildFromTemplate(template));
    },
    onClick: (listener) => void tray.on('click', listener),
    destroy: () => tray.destroy(),
  };
};

export const electronShortcuts: ShortcutRegistrar = {
  register: (accelerator, callback) => globalShortcut.register(accelerator, callback),
  unregister: (accelerator) => globalShortcut.unregister(accelerator),
};

/** Clicking a notification brings the window up (where the log says more). */
export function electronNotifier(onClick: () => void): ((notification: DesktopNotification) => void) | undefined {
  if (!Notification.isSupported()) return undefined;
  return ({ title, body, urgency }) => {
    const shown = new Notification({ title, body, urgency });
    shown.on('click', onClick);
    shown.show();
  };
}

export function electronQuitQuestion(window: BrowserWindow): (question: QuitQuestion, signal: AbortSignal) => Promise<boolean> {
  return async (question, signal) => {
    if (!window.isDestroyed() && !window.isVisible()) window.show();
    const { response } = await dialog.showMessageBox(window, {
      type: 'warning',
      title: 'Airtight',
      message: question.message,
      detail: question.detail,
      buttons: [question.stayLabel, question.quitLabel],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
      signal,
    });
    return response === 1;
  };
}

export function electronWindowHandle(window: BrowserWindow): WindowHandle {
  return {
    show: () => window.show(),
    hide: () => window.hide(),
    focus: () => window.focus(),
    minimize: () => window.minimize(),
    restore: () => window.restore(),
    isVisible: () => window.isVisible(),
    isMinimized: () => window.isMinimized(),
    isDestroyed: () => window.isDestroyed(),
    setAlwaysOnTop: (flag) => window.setAlwaysOnTop(flag),
    reload: () => window.webContents.reload(),
    crashRenderer: () => window.webContents.forcefullyCrashRenderer(),
  };
}

/** What to do where global shortcuts are refused: a desktop-level key running a control launch. */
export function shortcutRefusalHint(env: NodeJS.ProcessEnv = process.env): string {
  const wayland = env.XDG_SESSION_TYPE === 'wayland' || (env.WAYLAND_DISPLAY !== undefined && env.DISPLAY === undefined);
  const fallback = 'bind "airtight --stop-all" (or -s, -d, -r, -t) to a key in the desktop\'s keyboard settings';
  return wayland ? `Wayland does not let applications grab keys: ${fallback}.` : `Choose another key in the settings, or ${fallback}.`;
}

/** 'system' | 'dark' | 'light' is exactly nativeTheme.themeSource; the renderer follows prefers-color-scheme. */
export function electronSetTheme(theme: 'system' | 'dark' | 'light'): void {
  nativeTheme.themeSource = theme;
}
