/**
 * The desktop window's IPC (main/app/ipc.ts) with a fake ipcMain: the one thing that cannot
 * exist here is Electron. Payloads are validated with the operator API's own table, callers
 * other than the main window are refused, and a failed command comes back as its AppError.
 */
import { describe, expect, it } from 'vitest';
import { registerIpc, sendToWindow, type IpcHandlers, type IpcMainLike, type WindowLike } from '../../main/app/ipc';
import type { OperatorCommand } from '../../main/protocol/operator-api';
import { appError } from '../../main/shared/errors';

type Listener = (event: { sender: { id: number } }, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  /** What ipcRenderer.invoke(channel, payload) does from the given webContents id. */
  async invoke(senderId: number, channel: string, payload?: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender: { id: senderId } }, payload);
  }
}

function fakeWindow(id: number): WindowLike & { sent: [string, unknown][] } {
  const sent: [string, unknown][] = [];
  return { sent, isDestroyed: () => false, webContents: { id, isDestroyed: () => false, send: (channel, payload) => void sent.push([channel, payload]) } };
}

function setup(): { ipc: FakeIpcMain; ran: OperatorCommand[]; refused: string[]; window: ReturnType<typeof fakeWindow> } {
  const ipc = new FakeIpcMain();
  const ran: OperatorCommand[] = [];
  const refused: string[] = [];
  const window = fakeWindow(7);
  const handlers: IpcHandlers = {
    'app:get-state': () => ({ version: 'test', engine: { state: 'starting' }, shuttingDown: false, recentLog: [] }),
    'app:quit': () => undefined,
    'operator:command': async (command) => {
      ran.push(command);
      if (command.name === 'server.test') throw appError('STREAM_NO_SERVER', 'No server named "x" in the settings.');
      return command.name === 'gain.set' ? { db: command.params.db } : { ran: command.name };
    },
    'operator:snapshot': () => ({ engine: { state: 'running' }, status: {}, streams: {}, servers: [], log: [], aes67: { running: false } }),
  };
  registerIpc(ipc, window, handlers, (message) => refused.push(message));
  return { ipc, ran, refused, window };
}

describe('desktop IPC: operator channel', () => {
  it('registers a handler for every invoke channel of the contract', () => {
    const { ipc } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(['app:get-state', 'app:quit', 'operator:command', 'operator:snapshot']);
  });

  it('runs a valid command from the main window and answers its result', async () => {
    const { ipc, ran } = setup();
    expect(await ipc.invoke(7, 'operator:command', { name: 'gain.set', params: { db: -6 } })).toEqual({ ok: true, result: { db: -6 } });
    expect(await ipc.invoke(7, 'operator:command', { name: 'stop.all' })).toEqual({ ok: true, result: { ran: 'stop.all' } });
    expect(ran).toEqual([
      { name: 'gain.set', params: { db: -6 } },
      { name: 'stop.all', params: {} },
    ]);
  });

  it('answers bad params and unknown commands with an AppError, without running anything', async () => {
    const { ipc, ran } = setup();
    expect(await ipc.invoke(7, 'operator:command', { name: 'gain.set', params: { db: 99 } })).toMatchObject({ ok: false, error: { code: 'API_BAD_PARAMS', message: expect.stringContaining('db') } });
    expect(await ipc.invoke(7, 'operator:command', { name: 'gain.set', params: { db: -6, extra: 1 } })).toMatchObject({ ok: false, error: { code: 'API_BAD_PARAMS' } });
    expect(await ipc.invoke(7, 'operator:command', { name: 'format.disk' })).toMatchObject({ ok: false, error: { code: 'API_UNKNOWN_COMMAND' } });
    expect(await ipc.invoke(7, 'operator:command', { name: 'constructor' })).toMatchObject({ ok: false, error: { code: 'API_UNKNOWN_COMMAND' } });
    expect(ran).toEqual([]);
  });

  it('refuses a malformed envelope and any sender other than the main window', async () => {
    const { ipc, ran, refused } = setup();
    await expect(ipc.invoke(7, 'operator:command', 'stop.all')).rejects.toThrow(/invalid payload/);
    await expect(ipc.invoke(7, 'operator:command', { name: 'stop.all', sneaky: true })).rejects.toThrow(/invalid payload/);
    await expect(ipc.invoke(7, 'operator:snapshot', { please: 1 })).rejects.toThrow(/invalid payload/);
    await expect(ipc.invoke(8, 'operator:command', { name: 'stop.all' })).rejects.toThrow(/unknown sender/);
    await expect(ipc.invoke(8, 'app:quit')).rejects.toThrow(/unknown sender/);
    expect(ran).toEqual([]);
    expect(refused).toHaveLength(5);
  });

  it('passes a failed command back as its AppError value (code and message intact)', async () => {
    const { ipc } = setup();
    expect(await ipc.invoke(7, 'operator:command', { name: 'server.test', params: { server: 'x' } })).toEqual({
      ok: false,
      error: { code: 'STREAM_NO_SERVER', message: 'No server named "x" in the settings.' },
    });
  });

  it('sends events to a live window only', () => {
    const { window } = setup();
    sendToWindow(window, 'operator:event', { name: 'aes67.state', data: { running: false } });
    expect(window.sent).toEqual([['operator:event', { name: 'aes67.state', data: { running: false } }]]);
    const gone = { ...window, isDestroyed: () => true };
    sendToWindow(gone, 'operator:event', { name: 'log', data: {} });
    expect(window.sent).toHaveLength(1);
  });
});
