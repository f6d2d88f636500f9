/**
 * Electron entry. Everything here is wiring: the host logic lives in main/host and runs
 * the same under plain Node. This folder is the only one that imports 'electron'.
 */
import { app, ipcMain, powerMonitor, utilityProcess } from 'electron';
import { join } from 'node:path';
import { version } from '../../package.json';
import { Host } from '../host/host';
import { parseCliArgs } from '../host/cli-args';
import { defaultDataDir } from '../host/data-dir';
import { toAppError } from '../shared/errors';
import { installQuitAdapter } from './quit-adapter';
import { utilityEngineLauncher } from './utility-engine';
import { createMainWindow } from './main-window';
import { registerIpc, sendToWindow } from './ipc';
import { safeStorageCipher } from './safe-storage-secrets';
import { startDesktopShell } from '../desktop/desktop-shell';
import { desktopHost, hostCommandRunner } from '../desktop/host-binding';
import { electronNotifier, electronQuitQuestion, electronSetTheme, electronShortcuts, electronTrayFactory, electronWindowHandle, shortcutRefusalHint } from './desktop-adapter';

const argv = process.argv.slice(app.isPackaged ? 1 : 2);

async function main(): Promise<void> {
  await app.whenReady();
  const { args } = parseCliArgs(argv, false);
  const started = await Host.start({
    args,
    argv,
    dataDir: args.dataDir ?? defaultDataDir(),
    launcher: utilityEngineLauncher(utilityProcess),
    engineEntry: join(__dirname, 'engine.js'),
    // Passwords sealed by the OS keychain (safeStorage); without one, the 0600 file as headless.
    ...(safeStorageCipher() ? { secretCipher: safeStorageCipher()! } : {}),
  });
  if ('forwarded' in started) {
    process.stdout.write(`airtight: ${started.forwarded.message}\n`);
    app.exit(started.forwarded.ok ? 0 : 1);
    return;
  }
  const { host } = started;
  const window = createMainWindow();
  // Set below, once the quit adapter exists (the shell's menu actions quit through it).
  let requestQuit: (trigger: Parameters<typeof host.quit>[0]) => void = (trigger) => void host.quit(trigger);
  const notify = electronNotifier(() => shell.window.showAndFocus());
  const shell = startDesktopShell({
    host: desktopHost(host),
    run: hostCommandRunner(host),
    window: electronWindowHandle(window),
    createTray: electronTrayFactory,
    shortcuts: electronShortcuts,
    ...(notify ? { notify } : {}),
    ask: electronQuitQuestion(window),
    requestQuit: (trigger) => requestQuit(trigger),
    shortcutRefusalHint: shortcutRefusalHint(),
    setTheme: electronSetTheme,
  });

  // The Electron e2e suite reaches the tray's actions here: a test cannot click a native tray menu.
  if (process.env.AIRTIGHT_E2E_HOOKS === '1') (globalThis as { airtightDesktopShell?: unknown }).airtightDesktopShell = shell;

  const quitAdapter = installQuitAdapter({
    app,
    powerMonitor: powerMonitor as unknown as Parameters<typeof installQuitAdapter>[0]['powerMonitor'],
    signals: process,
    quit: (trigger) => host.quit(trigger),
    forceKillEngine: () => host.engine.kill('SIGKILL'),
    log: (message) => host.log.warn(message),
    confirm: shell.confirm,
  });
  requestQuit = (trigger) => quitAdapter.requestQuit(trigger);
  // Remote quits (event API, command server, second launch) take Electron's quit path too.
  host.useQuitRequester((trigger) => quitAdapter.requestQuit(trigger));
  process.on('uncaughtException', (error) => {
    host.log.error('Internal error in the app; shutting down', toAppError(error, 'APP_FATAL', 'Internal error in the app'));
    quitAdapter.requestQuit('fatal-error');
  });

  window.once('ready-to-show', () => shell.window.readyToShow());
  window.on('minimize', () => shell.window.minimized());
  window.on('show', () => shell.window.visibilityChanged());
  window.on('hide', () => shell.window.visibilityChanged());
  window.on('restore', () => shell.window.visibilityChanged());
  // The renderer is only a view: reload it, the engine keeps streaming (window-controller.ts).
  window.webContents.on('render-process-gone', (_event, details) => shell.window.rendererGone(details));
  window.on('unresponsive', () => shell.window.unresponsive());
  window.on('responsive', () => shell.window.responsive());
  window.on('close', (event) => {
    if (quitAdapter.mayExit) return;
    event.preventDefault(); // keep the window up to show the shutdown steps
    quitAdapter.requestQuit('window-close');
  });
  // Windows logoff: Electron ends the process right after this unless quitting has begun.
  window.on('session-end', () => quitAdapter.requestQuit('session-end'));

  host.addSink({
    name: 'main window',
    log: (entry) => sendToWindow(window, 'app:log', entry),
    engineState: (state) => sendToWindow(window, 'app:engine-state', state),
    shutdownStarted: (trigger) => sendToWindow(window, 'app:shutdown-started', { trigger }),
    shutdownProgress: (progress) => sendToWindow(window, 'app:shutdown-progress', progress),
  });
  registerIpc(
    ipcMain,
    window,
    {
      'app:get-state': () => ({
        version,
        engine: host.state,
        shuttingDown: host.shuttingDown,
        recentLog: host.log.entries(),
        ...(host.previousRunNotice ? { previousRunNotice: host.previousRunNotice } : {}),
      }),
      'app:quit': () => quitAdapter.requestQuit('app-quit'),
      // A quit from the window reaches the quit adapter (host.useQuitRequester) as 'app-quit':
      // the on-air confirmation first, then Electron's own quit sequence.
      'operator:command': (command) => host.operator.command(command, 'ipc'),
      'operator:snapshot': () => ({ ...host.operator.snapshot(), globalShortcuts: shell.shortcuts.status() }),
    },
    (message) => host.log.warn(message),
  );
  // Every operator event to the window, as the event API sends them to browsers.
  host.operator.on((name, data) => sendToWindow(window, 'operator:event', { name, data }));
}

void main().catch((error: unknown) => {
  process.stderr.write(`airtight: could not start: ${String(error)}\n`);
  app.exit(1);
});
