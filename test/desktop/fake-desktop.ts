/**
 * Fakes for what cannot exist here (Electron's Tray, globalShortcut, Notification, dialog,
 * BrowserWindow), behind the same small interfaces the Electron adapter implements. The host
 * side is real: LiveStatus, SettingsStore, and engine events checked against the engine
 * protocol's own schemas, so the controllers see the shapes a real engine sends.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineEvents, type EngineEventData, type EngineEventName } from '../../main/protocol/engine-protocol';
import { LiveStatus } from '../../main/host/live-status';
import { SettingsStore } from '../../main/settings/settings-store';
import type { EngineState, InputSource, UiSink } from '../../main/host/host';
import type { DesktopHost } from '../../main/desktop/host-binding';
import type { AppError } from '../../main/shared/errors';
import type { TrayHandle, TrayMenuItem } from '../../main/desktop/tray-controller';
import type { TrayState } from '../../main/desktop/desktop-status';
import type { DesktopAction, DesktopCommandName } from '../../main/desktop/desktop-actions';
import type { ShortcutRegistrar } from '../../main/desktop/shortcut-controller';
import type { WindowHandle } from '../../main/desktop/window-controller';

export interface LoggedLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  error?: AppError;
}

export class FakeHost implements DesktopHost {
  readonly status = new LiveStatus();
  readonly settingsStore = new SettingsStore(join(mkdtempSync(join(tmpdir(), 'airtight-desktop-')), 'settings.json'));
  readonly lines: LoggedLine[] = [];
  readonly inputs: InputSource[] = [];
  readonly sinks: UiSink[] = [];
  private readonly engineListeners: ((event: string, data: unknown) => void)[] = [];

  log = {
    info: (message: string) => void this.lines.push({ level: 'info', message }),
    warn: (message: string, error?: AppError) => void this.lines.push({ level: 'warn', message, ...(error ? { error } : {}) }),
    error: (message: string, error?: AppError) => void this.lines.push({ level: 'error', message, ...(error ? { error } : {}) }),
  };

  settings = () => this.settingsStore.get();
  onSettingsChange = (listener: Parameters<DesktopHost['onSettingsChange']>[0]) => this.settingsStore.onChange(listener);
  liveStatus = () => this.status.get();
  onLiveStatus = (listener: Parameters<DesktopHost['onLiveStatus']>[0]) => this.status.onChange(listener);
  onEngineEvent = (listener: (event: string, data: unknown) => void) => void this.engineListeners.push(listener);
  addInput = (input: InputSource) => void this.inputs.push(input);
  addSink = (sink: UiSink) => void this.sinks.push(sink);

  /** An engine event as the engine sends it: validated against the protocol first. */
  engineEvent<E extends EngineEventName>(event: E, data: EngineEventData<E>): void {
    const parsed = engineEvents[event].parse(data) as EngineEventData<E>;
    this.status.onEngineEvent(event, parsed);
    for (const listener of this.engineListeners) listener(event, parsed);
  }

  /**
   * A `stream.state` event with what HostStreams does to the live status on it (one server).
   * HostStreams listens before the desktop shell (it exists before the shell starts), so the
   * status changes first.
   */
  streamState(server: string, state: 'connecting' | 'connected' | 'retrying' | 'failed' | 'stopped', error?: AppError): void {
    this.status.update({ connected: state === 'connected', connecting: state === 'connecting' || state === 'retrying' });
    this.engineEvent('stream.state', { server, state: { state, ...(error ? { error } : {}) } });
  }

  engineState(state: EngineState): void {
    for (const sink of this.sinks) sink.engineState?.(state);
  }

  async freezeInputs(): Promise<void> {
    for (const input of this.inputs) await input.freeze();
  }

  codes(): string[] {
    return this.lines.flatMap((l) => (l.error ? [l.error.code] : []));
  }
}

export class FakeTray implements TrayHandle {
  icons: TrayState[] = [];
  tooltips: string[] = [];
  menu: TrayMenuItem[] = [];
  menusSet = 0;
  destroyed = false;
  private onMenuClick: ((id: DesktopAction) => void) | undefined;
  private clickListener: (() => void) | undefined;

  constructor(initial: TrayState) {
    this.icons.push(initial);
  }

  setIcon(state: TrayState): void {
    this.icons.push(state);
  }
  setToolTip(text: string): void {
    this.tooltips.push(text);
  }
  setMenu(items: TrayMenuItem[], onClick: (id: DesktopAction) => void): void {
    this.menu = items;
    this.menusSet += 1;
    this.onMenuClick = onClick;
  }
  onClick(listener: () => void): void {
    this.clickListener = listener;
  }
  destroy(): void {
    this.destroyed = true;
  }

  get icon(): TrayState {
    return this.icons[this.icons.length - 1]!;
  }
  get tooltip(): string {
    return this.tooltips[this.tooltips.length - 1] ?? '';
  }
  labels(): string[] {
    return this.menu.flatMap((i) => (i.type === 'item' ? [i.label] : []));
  }
  /** Clicks the menu item with this label, as the operator would. */
  choose(label: string): void {
    const item = this.menu.find((i) => i.type === 'item' && i.label === label);
    if (!item || item.type !== 'item') throw new Error(`no menu item "${label}" in ${JSON.stringify(this.labels())}`);
    this.onMenuClick!(item.id);
  }
  click(): void {
    this.clickListener?.();
  }
}

export class FakeShortcuts implements ShortcutRegistrar {
  readonly registered = new Map<string, () => void>();
  /** Accelerators the "OS" refuses (held by another program). */
  readonly taken = new Set<string>();
  readonly calls: string[] = [];

  register(accelerator: string, callback: () => void): boolean {
    this.calls.push(`register ${accelerator}`);
    if (this.taken.has(accelerator) || this.registered.has(accelerator)) return false;
    this.registered.set(accelerator, callback);
    return true;
  }
  unregister(accelerator: string): void {
    this.calls.push(`unregister ${accelerator}`);
    this.registered.delete(accelerator);
  }
  press(accelerator: string): void {
    const callback = this.registered.get(accelerator);
    if (!callback) throw new Error(`${accelerator} is not registered`);
    callback();
  }
}

export class FakeWindow implements WindowHandle {
  visible = false;
  minimizedFlag = false;
  destroyed = false;
  alwaysOnTop = false;
  reloads = 0;
  crashes = 0;
  readonly calls: string[] = [];

  show(): void {
    this.calls.push('show');
    this.visible = true;
  }
  hide(): void {
    this.calls.push('hide');
    this.visible = false;
  }
  focus(): void {
    this.calls.push('focus');
  }
  minimize(): void {
    this.calls.push('minimize');
    this.visible = true;
    this.minimizedFlag = true;
  }
  restore(): void {
    this.calls.push('restore');
    this.minimizedFlag = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimizedFlag;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setAlwaysOnTop(flag: boolean): void {
    this.alwaysOnTop = flag;
  }
  reload(): void {
    this.reloads += 1;
  }
  crashRenderer(): void {
    this.crashes += 1;
  }
}

/** A command runner that records what reached it; `hang` makes every command never settle. */
export function recordingRunner(options: { hang?: boolean; fail?: DesktopCommandName } = {}) {
  const commands: DesktopCommandName[] = [];
  const run = (name: DesktopCommandName): Promise<unknown> => {
    commands.push(name);
    if (options.hang) return new Promise(() => undefined);
    if (options.fail === name) return Promise.reject({ code: 'ENGINE_GONE', message: 'The engine is not running' });
    return Promise.resolve({});
  };
  return { commands, run };
}
