/**
 * How the main window behaves: shown or hidden (tray, shortcut), always on top, started
 * minimized, minimized to the tray; and what happens when its renderer dies or hangs. The
 * renderer is only a view: streaming and recording live in the engine, so a crashed or hung
 * renderer is reloaded (it restores its state from the host) and nothing else is touched.
 */
import type { InterfaceSettings } from '../settings/interface-settings-schema';
import { appError } from '../shared/errors';
import type { DesktopLog } from './desktop-log';

/** The BrowserWindow (and its webContents) as far as this controller uses it. */
export interface WindowHandle {
  show(): void;
  hide(): void;
  focus(): void;
  minimize(): void;
  restore(): void;
  isVisible(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  setAlwaysOnTop(flag: boolean): void;
  /** webContents.reload() */
  reload(): void;
  /** webContents.forcefullyCrashRenderer(): a hung renderer ignores a reload. */
  crashRenderer(): void;
}

export interface WindowControllerDeps {
  window: WindowHandle;
  settings(): InterfaceSettings;
  /** A tray icon exists to bring the window back: only then may it hide instead of minimize. */
  trayAvailable(): boolean;
  log: DesktopLog;
  now?(): number;
  setTimer?(fn: () => void, ms: number): () => void;
  /** How long a renderer may stay unresponsive before it is reloaded (default 10 s). */
  unresponsiveMs?: number;
}

/** More reloads than this within a minute means the renderer cannot start: stop reloading. */
const MAX_RELOADS_PER_MINUTE = 3;

export class WindowController {
  private reloads: number[] = [];
  private cancelHangTimer: (() => void) | undefined;
  private readonly visibilityListeners: (() => void)[] = [];
  private gaveUp = false;
  /** We ended a hung renderer ourselves and already reloaded: its 'gone' event is expected. */
  private crashedOnPurpose = false;

  constructor(private readonly deps: WindowControllerDeps) {}

  onVisibilityChange(listener: () => void): void {
    this.visibilityListeners.push(listener);
  }

  /** The page is ready: show it, or start minimized / in the tray as the settings say. */
  readyToShow(): void {
    const s = this.deps.settings();
    this.applySettings();
    if (!s.startMinimized) this.deps.window.show();
    else if (!(s.minimizeToTray && this.deps.trayAvailable())) this.deps.window.minimize();
    // else: stays hidden; the tray's "Show window" brings it up.
    this.visibilityChanged();
  }

  applySettings(): void {
    if (this.deps.window.isDestroyed()) return;
    this.deps.window.setAlwaysOnTop(this.deps.settings().alwaysOnTop);
  }

  get visible(): boolean {
    const w = this.deps.window;
    return !w.isDestroyed() && w.isVisible() && !w.isMinimized();
  }

  toggle(): void {
    if (this.visible) this.hide();
    else this.showAndFocus();
  }

  showAndFocus(): void {
    const w = this.deps.window;
    if (w.isDestroyed()) return;
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
    this.visibilityChanged();
  }

  hide(): void {
    if (this.deps.window.isDestroyed()) return;
    this.deps.window.hide();
    this.visibilityChanged();
  }

  /** The window's 'minimize' event. */
  minimized(): void {
    if (this.deps.settings().minimizeToTray && this.deps.trayAvailable()) this.deps.window.hide();
    this.visibilityChanged();
  }

  /** 'show' / 'hide' / 'restore' events from elsewhere (taskbar, window manager). */
  visibilityChanged(): void {
    for (const listener of this.visibilityListeners) listener();
  }

  /** webContents 'render-process-gone'. */
  rendererGone(details: { reason: string; exitCode?: number }): void {
    this.clearHangTimer();
    // clean-exit: the window is closing.
    if (details.reason === 'clean-exit') return;
    if (this.crashedOnPurpose) {
      this.crashedOnPurpose = false;
      return;
    }
    const message = `The window's renderer stopped (${details.reason}${details.exitCode !== undefined ? `, exit code ${details.exitCode}` : ''}); streaming and recording go on. Reloading the window.`;
    this.deps.log.warn(message, appError('RENDERER_GONE', message));
    this.reload();
  }

  /** webContents 'unresponsive': give it a while, then reload. */
  unresponsive(): void {
    if (this.cancelHangTimer) return;
    const ms = this.deps.unresponsiveMs ?? 10_000;
    const setTimer = this.deps.setTimer ?? defaultTimer;
    this.cancelHangTimer = setTimer(() => {
      this.cancelHangTimer = undefined;
      const message = `The window has not responded for ${Math.round(ms / 1000)} s; streaming and recording go on. Reloading the window.`;
      this.deps.log.warn(message, appError('RENDERER_UNRESPONSIVE', message));
      // A hung renderer does not process a reload request: end it first.
      this.crashedOnPurpose = true;
      this.deps.window.crashRenderer();
      this.reload();
    }, ms);
  }

  /** webContents 'responsive'. */
  responsive(): void {
    this.clearHangTimer();
  }

  private reload(): void {
    if (this.deps.window.isDestroyed() || this.gaveUp) return;
    const now = this.deps.now?.() ?? Date.now();
    this.reloads = this.reloads.filter((t) => now - t < 60_000);
    if (this.reloads.length >= MAX_RELOADS_PER_MINUTE) {
      this.gaveUp = true;
      const message = `The window's renderer failed ${MAX_RELOADS_PER_MINUTE + 1} times within a minute; not reloading it again. Streaming and recording go on; use the tray menu, the shortcuts or the command line (--stop-all, -d, -t, --quit).`;
      this.deps.log.error(message, appError('RENDERER_CRASH_LOOP', message));
      return;
    }
    this.reloads.push(now);
    this.deps.window.reload();
  }

  private clearHangTimer(): void {
    this.cancelHangTimer?.();
    this.cancelHangTimer = undefined;
  }
}

function defaultTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}
