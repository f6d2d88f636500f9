/**
 * The renderer's only bridge: a few typed calls and event subscriptions from the UI
 * contract, and the operator API (`window.airtight.operator`). No ipcRenderer, no Node,
 * nothing else crosses.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, type AirtightApi, type EventChannel, type EventPayloads, type OperatorOutcome } from '../main/protocol/ui-contract';
import type { OperatorClient } from '../main/protocol/operator-api';

const operator: OperatorClient = {
  command: async (name, ...params) => {
    const outcome = (await ipcRenderer.invoke('operator:command', { name, params: params[0] })) as OperatorOutcome;
    // A failed command rejects with the AppError value itself, as the web transport does.
    if (!outcome.ok) throw outcome.error;
    return outcome.result as never;
  },
  snapshot: () => ipcRenderer.invoke('operator:snapshot'),
  onEvent: (listener) => {
    const wrapped = (_event: IpcRendererEvent, payload: EventPayloads['operator:event']): void => listener(payload.name, payload.data);
    ipcRenderer.on('operator:event', wrapped);
    return () => void ipcRenderer.removeListener('operator:event', wrapped);
  },
};

const api: AirtightApi = {
  getState: () => ipcRenderer.invoke('app:get-state'),
  quit: () => ipcRenderer.invoke('app:quit'),
  on: (channel, listener) => {
    if (!EVENT_CHANNELS.includes(channel as EventChannel)) throw new Error(`unknown channel ${channel}`);
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.removeListener(channel, wrapped);
  },
  operator,
};

contextBridge.exposeInMainWorld('airtight', api);
