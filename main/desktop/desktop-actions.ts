/**
 * The operator actions the tray menu and the global shortcuts trigger. They go main -> host
 * -> engine through `run` (the host's command dispatcher), never through the renderer, so
 * they work while the window is frozen, crashed or closed.
 */
import type { CommandName } from '../protocol/operator-api';
import type { ShutdownTrigger } from '../protocol/shutdown-report';
import { toAppError } from '../shared/errors';
import type { DesktopLog } from './desktop-log';

/** The commands the desktop side gives; all take no parameters. */
export type DesktopCommandName = Extract<CommandName, 'connect' | 'disconnect' | 'record.start' | 'record.stop' | 'stop.all'>;
export type RunCommand = (name: DesktopCommandName) => Promise<unknown>;

export interface DesktopActionDeps {
  run: RunCommand;
  /** Whether streaming (connected or connecting) and recording are on now. */
  status(): { streaming: boolean; recording: boolean };
  toggleWindow(): void;
  quit(trigger: ShutdownTrigger): void;
  log: DesktopLog;
  /** How long "stop all and quit" waits for the quick stop before quitting anyway. */
  stopBeforeQuitMs?: number;
}

export type DesktopAction = 'connect' | 'disconnect' | 'toggleStreaming' | 'recordToggle' | 'stopAll' | 'stopAllAndQuit' | 'showHide';

const LABELS: Record<DesktopCommandName, string> = {
  connect: 'Connect',
  disconnect: 'Disconnect',
  'record.start': 'Start recording',
  'record.stop': 'Stop recording',
  'stop.all': 'Stop all',
};

export class DesktopActions {
  constructor(private readonly deps: DesktopActionDeps) {}

  /** Runs one action; failures are logged (the caller is a menu or a key: nobody to throw to). */
  perform(action: DesktopAction): Promise<void> {
    switch (action) {
      case 'connect':
        return this.command('connect');
      case 'disconnect':
        return this.command('disconnect');
      case 'toggleStreaming':
        return this.command(this.deps.status().streaming ? 'disconnect' : 'connect');
      case 'recordToggle':
        return this.command(this.deps.status().recording ? 'record.stop' : 'record.start');
      case 'stopAll':
        return this.command('stop.all');
      case 'stopAllAndQuit':
        return this.stopAllAndQuit();
      case 'showHide':
        this.deps.toggleWindow();
        return Promise.resolve();
    }
  }

  private async command(name: DesktopCommandName): Promise<void> {
    try {
      await this.deps.run(name);
    } catch (error) {
      const appErr = toAppError(error, 'DESKTOP_COMMAND_FAILED', `${LABELS[name]} failed`);
      this.deps.log.error(`${LABELS[name]} (tray or shortcut): ${appErr.message}`, appErr);
    }
  }

  /**
   * Off air first (so the listeners hear the stream end now, not after the shutdown's earlier
   * steps), then the ordinary shutdown. A quick stop that hangs does not keep the app open.
   */
  private async stopAllAndQuit(): Promise<void> {
    const limit = this.deps.stopBeforeQuitMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limit)));
    const outcome = await Promise.race([this.command('stop.all').then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.deps.log.warn(`Stop all did not finish within ${limit} ms; quitting anyway (the shutdown stops everything).`);
    this.deps.quit('tray-quit');
  }
}
