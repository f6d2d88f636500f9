/**
 * The renderer's only bridge: a few typed calls and event subscriptions from the UI
 * contract. No ipcRenderer, no Node, nothing else crosses.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, type AirtightApi, type EventChannel } from '../main/protocol/ui-contract';

const api: AirtightApi = {
  getState: () => ipcRenderer.invoke('app:get-state'),
  quit: () => ipcRenderer.invoke('app:quit'),
  on: (channel, listener) => {
    if (!EVENT_CHANNELS.includes(channel as EventChannel)) throw new Error(`unknown channel ${channel}`);
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.removeListener(channel, wrapped);
  },
};

contextBridge.exposeInMainWorld('airtight', api);
