/**
 * Where the desktop side meets the host: the one place to change when the host's API moves.
 * Plain Node (the Electron adapter passes the Host in).
 */
import type { Host, InputSource, UiSink } from '../host/host';
import type { StatusV3 } from '../host/control/wire';
import type { Settings } from '../settings/settings-schema';
import type { DesktopLog } from './desktop-log';
import type { RunCommand } from './desktop-actions';

/** What the desktop controllers need from a host (tests give a small fake over real parts). */
export interface DesktopHost {
  settings(): Settings;
  onSettingsChange(listener: (settings: Settings) => void): void;
  liveStatus(): StatusV3;
  onLiveStatus(listener: (status: StatusV3) => void): void;
  onEngineEvent(listener: (event: string, data: unknown) => void): void;
  log: DesktopLog;
  addInput(input: InputSource): void;
  addSink(sink: UiSink): void;
}

export function desktopHost(host: Host): DesktopHost {
  return {
    settings: () => host.settings.get(),
    onSettingsChange: (listener) => host.settings.onChange(listener),
    liveStatus: () => host.status.get(),
    onLiveStatus: (listener) => host.status.onChange(listener),
    onEngineEvent: (listener) => host.engine.onEvent((event, data) => listener(event, data)),
    log: {
      info: (message) => host.log.info(message),
      warn: (message, error) => host.log.warn(message, error),
      error: (message, error) => host.log.error(message, error),
    },
    addInput: (input) => host.addInput(input),
    addSink: (sink) => host.addSink(sink),
  };
}

/**
 * The commands of the tray and the shortcuts, main -> host -> engine through the host's
 * operator dispatcher (the same one the window and the event API use), never the renderer.
 */
export function hostCommandRunner(host: Pick<Host, 'operator'>): RunCommand {
  return (name) => host.operator.command({ name, params: {} }, 'tray');
}
