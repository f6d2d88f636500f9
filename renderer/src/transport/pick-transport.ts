/** The desktop app has the preload bridge; a browser page has only the event API. */
import { eventApiUrl } from './api-url';
import { ElectronOperatorClient, type DesktopBridge } from './electron-client';
import type { OperatorTransport } from './operator-transport';
import { WebSocketOperatorClient } from './websocket-client';

export function pickTransport(): OperatorTransport {
  const bridge = (window as { airtight?: DesktopBridge }).airtight;
  return bridge ? new ElectronOperatorClient(bridge) : new WebSocketOperatorClient(eventApiUrl());
}
