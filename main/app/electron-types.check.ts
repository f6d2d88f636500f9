/**
 * Compile-time proof that the real Electron objects satisfy the small interfaces the
 * adapters are written (and tested) against. `npm run typecheck` fails if electron.d.ts
 * changes in a way that breaks them. Type-only: nothing here runs.
 */
import type { App, BrowserWindow, GlobalShortcut, IpcMain, PowerMonitor, UtilityProcess, WebContents } from 'electron';
import type { ShortcutRegistrar } from '../desktop/shortcut-controller';
import type { QuitApp, ShutdownNotifier, SignalSource } from './quit-adapter';
import type { UtilityProcessLike } from './utility-engine';
import type { IpcMainLike, WindowLike } from './ipc';

type Assert<T extends true> = T;
export type AppFitsQuitApp = Assert<App extends QuitApp ? true : false>;
// powerMonitor's 'shutdown' is typed `() => void` but receives a preventable event at runtime.
export type PowerMonitorFits = Assert<PowerMonitor extends { on(event: 'shutdown', listener: () => void): unknown } ? true : false>;
export type ProcessFitsSignals = Assert<NodeJS.Process extends SignalSource ? true : false>;
export type UtilityFits = Assert<UtilityProcess extends UtilityProcessLike ? true : false>;
export type NotifierShape = ShutdownNotifier;
export type IpcMainFits = Assert<IpcMain extends IpcMainLike ? true : false>;
export type WindowFits = Assert<BrowserWindow extends WindowLike ? true : false>;
export type GlobalShortcutFits = Assert<GlobalShortcut extends ShortcutRegistrar ? true : false>;
// The window events the desktop shell listens to (main/app/electron-main.ts).
export type WindowEventsFit = Assert<
  BrowserWindow extends { on(event: 'unresponsive', listener: () => void): unknown; on(event: 'minimize', listener: () => void): unknown } ? true : false
>;
export type RendererGoneFits = Assert<
  WebContents extends { on(event: 'render-process-gone', listener: (event: Electron.Event, details: { reason: string; exitCode: number }) => void): unknown } ? true : false
>;
export type CrashRendererFits = Assert<WebContents extends { forcefullyCrashRenderer(): void; reload(): void } ? true : false>;
