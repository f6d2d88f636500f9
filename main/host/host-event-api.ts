/**
 * The event API (docs/EVENT-API.md) over this host: every state change pushed, every command
 * available, for the headless web UI and external tools (a Companion / Stream Deck module).
 * The commands and events are the operator hub's (main/host/operator/), shared with the
 * desktop window's IPC.
 */
import { version } from '../../package.json';
import type { Host } from './host';
import { startEventApi, type EventApiServer } from './event-api/event-api-server';
import type { EventApiHost } from './event-api/event-api-host';
import { loadOrCreateToken } from './event-api/api-token';
import type { OperatorHub } from './operator/operator-hub';
import { uiOrigins } from './web-ui/ui-server';

export function eventApiHost(hub: OperatorHub): EventApiHost {
  return {
    snapshot: () => hub.snapshot(),
    on: (listener) => hub.on(listener),
    command: (command) => hub.command(command, 'event-api'),
  };
}

export interface HostEventApi {
  server: EventApiServer;
  token: string;
}

export async function startHostEventApi(host: Host, options: { port: number; uiPort?: number; uiHost?: string }): Promise<HostEventApi | undefined> {
  const token = loadOrCreateToken(host.paths.dir);
  for (const note of token.notes) host.log.warn(note.message, note);
  const bindAddress = options.uiHost ?? '127.0.0.1';
  if (options.uiHost !== undefined && !['127.0.0.1', '::1', 'localhost'].includes(options.uiHost)) {
    const message = `NETWORK EXPOSURE: the web UI and the event API listen on ${options.uiHost} (--ui-host); anyone who can reach it and read the page can operate this broadcaster.`;
    host.log.warn(message, { code: 'UI_EXPOSED', message });
  }
  const started = await startEventApi({
    host: eventApiHost(host.operator),
    token: token.token,
    appVersion: version,
    port: options.port,
    bindAddress,
    allowedOrigins: options.uiPort ? uiOrigins(bindAddress, options.uiPort) : [],
    log: host.log,
  });
  if (!started.ok) {
    host.log.error(started.error.message, started.error);
    return undefined;
  }
  return { server: started.server, token: token.token };
}
