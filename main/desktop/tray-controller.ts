/**
 * The tray icon: one icon per state, the status in words as tooltip, and a menu with the
 * main actions. Written against a small factory (as Signal Desktop's tray service is) so the
 * Electron adapter stays thin and tests drive it with a fake.
 *
 * Show/hide is always in the menu: on Linux the tray click is unreliable (StatusNotifier
 * hosts often send no click at all), so the menu is the only sure way back to the window.
 */
import type { DesktopAction, DesktopActions } from './desktop-actions';
import type { DesktopStatus, DesktopStatusView, TrayState } from './desktop-status';

export type TrayMenuItem = { type: 'separator' } | { type: 'item'; id: DesktopAction; label: string; enabled: boolean };

/** The tray as the controller sees it; the adapter implements it over Electron's Tray and Menu. */
export interface TrayHandle {
  setIcon(state: TrayState): void;
  setToolTip(text: string): void;
  /** The whole menu each time: Linux only picks up changes from a fresh menu. */
  setMenu(items: TrayMenuItem[], onClick: (id: DesktopAction) => void): void;
  onClick(listener: () => void): void;
  destroy(): void;
}

export type TrayFactory = (initial: TrayState) => TrayHandle;

export interface TrayControllerDeps {
  createTray: TrayFactory;
  status: DesktopStatus;
  actions: DesktopActions;
  windowVisible(): boolean;
}

export class TrayController {
  private tray: TrayHandle | undefined;
  private shown: DesktopStatusView | undefined;
  private windowShown = false;
  private frozen = false;

  constructor(private readonly deps: TrayControllerDeps) {}

  start(): void {
    if (this.tray || this.frozen) return;
    const view = this.deps.status.view();
    this.tray = this.deps.createTray(view.state);
    this.tray.onClick(() => void this.deps.actions.perform('showHide'));
    this.render(view, true);
    this.deps.status.onChange((next) => this.render(next, false));
  }

  /** The window was shown or hidden: the menu's first item says the opposite. */
  windowVisibilityChanged(): void {
    if (this.tray && this.shown) this.render(this.shown, true);
  }

  /** Shutdown, freeze-inputs: the menu could start things the shutdown is stopping. */
  freeze(): void {
    this.frozen = true;
    this.tray?.destroy();
    this.tray = undefined;
  }

  private render(view: DesktopStatusView, force: boolean): void {
    const tray = this.tray;
    if (!tray) return;
    const before = this.shown;
    const visible = this.deps.windowVisible();
    if (force || before?.state !== view.state) tray.setIcon(view.state);
    if (force || before?.tooltip !== view.tooltip) tray.setToolTip(view.tooltip);
    if (force || before?.streaming !== view.streaming || before.recording !== view.recording || this.windowShown !== visible) {
      tray.setMenu(trayMenu(view, visible), (id) => void this.deps.actions.perform(id));
    }
    this.shown = view;
    this.windowShown = visible;
  }
}

export function trayMenu(view: DesktopStatusView, windowVisible: boolean): TrayMenuItem[] {
  const item = (id: DesktopAction, label: string, enabled = true): TrayMenuItem => ({ type: 'item', id, label, enabled });
  return [
    item('showHide', windowVisible ? 'Hide window' : 'Show window'),
    { type: 'separator' },
    item('toggleStreaming', view.streaming ? 'Stop streaming' : 'Start streaming'),
    item('recordToggle', view.recording ? 'Stop recording' : 'Start recording'),
    { type: 'separator' },
    // Always enabled: AES67 may be on without the tray knowing, and stopping nothing is harmless.
    item('stopAll', 'Stop all (streaming, recording, AES67)'),
    item('stopAllAndQuit', 'Stop all and quit'),
  ];
}
