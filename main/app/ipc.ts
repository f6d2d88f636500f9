/**
 * Main-side handlers of the UI contract. Only the main window's webContents may call them,
 * and every payload is validated before use: the app:* channels against their schema, the
 * operator channel against the operator API's own command table (the same check the event
 * API makes). Written against small interfaces (the seam the unit test fakes); electron-main
 * passes the real ipcMain and window, and electron-types.check.ts proves they fit.
 */
import { z } from 'zod';
import { parseOperatorCommand, type OperatorCommand, type OperatorSnapshot } from '../protocol/operator-api';
import type { EventChannel, EventPayloads, InvokeChannel, InvokeResponses, OperatorOutcome } from '../protocol/ui-contract';
import { toAppError } from '../shared/errors';

/** What registerIpc uses of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { sender: { id: number } }, ...args: any[]) => unknown): void;
}

/** What sendToWindow / registerIpc use of a BrowserWindow. */
export interface WindowLike {
  isDestroyed(): boolean;
  webContents: { id: number; isDestroyed(): boolean; send(channel: string, ...args: unknown[]): void };
}

const OperatorInvokeSchema = z.object({ name: z.string().max(64), params: z.unknown().optional() }).strict();

/** A payload schema for every channel of the contract (the compiler checks none is missing). */
const invokeChannels: Record<InvokeChannel, z.ZodType> = {
  'app:get-state': z.undefined(),
  'app:quit': z.undefined(),
  'operator:command': OperatorInvokeSchema,
  'operator:snapshot': z.undefined(),
};

export interface IpcHandlers {
  'app:get-state': () => Promise<InvokeResponses['app:get-state']> | InvokeResponses['app:get-state'];
  'app:quit': () => Promise<void> | void;
  /** Runs a command already validated against the operator API; rejects with an AppError. */
  'operator:command': (command: OperatorCommand) => Promise<unknown>;
  'operator:snapshot': () => OperatorSnapshot;
}

/** Why a call was refused: thrown to the renderer (a bug or a hostile frame, not an operator's mistake). */
export class IpcRefused extends Error {}

export function registerIpc(ipc: IpcMainLike, window: WindowLike, handlers: IpcHandlers, onRefused?: (message: string) => void): void {
  const trusted = new Set([window.webContents.id]);
  const refuse = (message: string): never => {
    onRefused?.(message);
    throw new IpcRefused(message);
  };
  for (const channel of Object.keys(invokeChannels) as InvokeChannel[]) {
    ipc.handle(channel, async (event, payload: unknown) => {
      if (!trusted.has(event.sender.id)) refuse(`IPC ${channel} refused: unknown sender`);
      const parsed = invokeChannels[channel].safeParse(payload);
      if (!parsed.success) refuse(`IPC ${channel} refused: invalid payload`);
      switch (channel) {
        case 'operator:command':
          return runOperatorCommand(parsed.data as z.infer<typeof OperatorInvokeSchema>, handlers['operator:command']);
        case 'operator:snapshot':
          return handlers['operator:snapshot']();
        case 'app:get-state':
          return handlers['app:get-state']();
        case 'app:quit':
          return handlers['app:quit']();
      }
    });
  }
}

/** A command's outcome as data: a bad command or a failed one is an AppError the renderer shows. */
async function runOperatorCommand(payload: { name: string; params?: unknown }, run: IpcHandlers['operator:command']): Promise<OperatorOutcome> {
  const parsed = parseOperatorCommand(payload.name, payload.params);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  try {
    return { ok: true, result: (await run(parsed.command)) ?? null };
  } catch (error) {
    return { ok: false, error: toAppError(error, 'COMMAND_FAILED', `"${payload.name}" failed`) };
  }
}

export function sendToWindow<C extends EventChannel>(window: WindowLike, channel: C, payload: EventPayloads[C]): void {
  if (!window.isDestroyed() && !window.webContents.isDestroyed()) window.webContents.send(channel, payload);
}
