/**
 * `--ui-port`: the built renderer served to a browser, talking to this host's event API.
 * Problems (UI not built, port taken) go to the operator log; the host runs on without it.
 */
import type { Host } from './host';
import type { HostEventApi } from './host-event-api';
import { startUiServer, type UiServer } from './web-ui/ui-server';

export async function startHostUi(host: Host, api: HostEventApi, options: { port: number; bindAddress?: string; root: string }): Promise<UiServer | undefined> {
  const started = await startUiServer({
    root: options.root,
    port: options.port,
    ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}),
    apiPort: api.server.port,
    apiToken: api.token,
    log: host.log,
  });
  if (!started.ok) {
    host.log.error(started.error.message, started.error);
    return undefined;
  }
  const { server } = started;
  const shown = server.bindAddress.includes(':') ? `[${server.bindAddress}]` : server.bindAddress;
  host.log.info(`Web UI on http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${server.port}/ (serving ${options.root}).`);
  return server;
}
