/**
 * Compile-time proof that the real Electron objects satisfy the small interfaces the
 * adapters are written (and tested) against. `npm run typecheck` fails if electron.d.ts
 * changes in a way that breaks them. Type-only: nothing here runs.
 */
import type { App, BrowserWindow, IpcMain, PowerMonitor, UtilityProcess } from 'electron';
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
