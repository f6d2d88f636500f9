/**
 * Main-side handlers of the UI contract. Only the main window's webContents may call them,
 * and every payload is validated against the contract's schema before use.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import type { EventChannel, EventPayloads, InvokeChannel, InvokeResponses } from '../protocol/ui-contract';

/** A payload schema for every channel of the contract (the compiler checks none is missing). */
const invokeChannels: Record<InvokeChannel, z.ZodType> = {
  'app:get-state': z.undefined(),
  'app:quit': z.undefined(),
};

type Handlers = { [C in InvokeChannel]: () => Promise<InvokeResponses[C]> | InvokeResponses[C] };

export function registerIpc(window: BrowserWindow, handlers: Handlers): void {
  const trusted = new Set([window.webContents.id]);
  for (const channel of Object.keys(invokeChannels) as InvokeChannel[]) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!trusted.has(event.sender.id)) throw new Error(`IPC ${channel} refused: unknown sender`);
      const parsed = invokeChannels[channel].safeParse(payload);
      if (!parsed.success) throw new Error(`IPC ${channel} refused: invalid payload`);
      return handlers[channel]();
    });
  }
}

export function sendToWindow<C extends EventChannel>(window: BrowserWindow, channel: C, payload: EventPayloads[C]): void {
  if (!window.isDestroyed() && !window.webContents.isDestroyed()) window.webContents.send(channel, payload);
}
