import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { appError, type AppError } from '../shared/errors';

export interface CliArgs {
  headless: boolean;
  dataDir?: string;
  config?: string;
  controlPort?: number;
  uiPort?: number;
  /** With --ui-port: the address the web UI (and the event API) listen on; default 127.0.0.1. */
  uiHost?: string;
  /** Hand "quit" to the instance already running on this data dir. */
  quit: boolean;
  /** Hand "stop all" (streaming, recording, AES67 off; the app stays open) to the running instance. */
  stopAll: boolean;
  /** BUTT `-A`: command server on all interfaces. */
  controlExposed: boolean;
  /** With -A: addresses or CIDR subnets allowed besides loopback. */
  controlAllow: string[];
  /** BUTT `-U`: command server over UDP. */
  controlUdp: boolean;
  /** BUTT `-x`: no command server. */
  noControlServer: boolean;
  /** BUTT `-L`: list audio devices and exit. */
  listDevices: boolean;
  /** The event API's port (docs/EVENT-API.md); undefined = its default. */
  apiPort?: number;
  /** No event API. */
  noApi: boolean;
  /** Write the settings of this data dir as a BUTT .buttrc to this file and exit. */
  exportButtrc?: string;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: airtight [options]
  --headless            run without a window (plain Node; for rack machines and servers)
  --data-dir <dir>      settings, logs and pid file (default: the per-user config folder)
  -c, --config <file>   Airtight settings or a BUTT .buttrc to start with
  -p, --port <port>     command server port (BUTT-compatible; default: first free of 1256-1265)
  -A                    command server on all interfaces (default 127.0.0.1 only)
  --control-allow <list>  with -A: addresses/subnets allowed, comma-separated
  -U                    command server over UDP
  -x                    no command server
  -L                    list audio input devices and exit
  --api-port <port>     event API (WebSocket, token in <data-dir>/api-token; default 1280)
  --no-api              no event API
  --export-buttrc <file>  write this data dir's settings as a BUTT .buttrc and exit
  --ui-port <port>      serve the web UI on 127.0.0.1:<port> (headless; needs the event API)
  --ui-host <address>   with --ui-port: listen there instead (EXPOSES the UI and the API to the network)
  --quit                ask the instance running on this data dir to quit
  --stop-all            ask it to stop streaming, recording and AES67 at once (it stays open)
Control a running Airtight or BUTT (BUTT's flags): -s [name] -d -r -t -n -q -u <song> -S
  -M/-m/-O/-o <seconds>, with -a <address> -p <port> -U
  -h, --help            this text
  -v, --version         print the version`;

/**
 * Parses Airtight's own flags. `strict` is off under Electron, where Chromium adds its own
 * switches; unknown flags are reported back so headless mode can refuse them.
 */
export function parseCliArgs(argv: string[], strict = true): { args: CliArgs; unknown: string[]; error?: AppError } {
  const { values, tokens } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      headless: { type: 'boolean' },
      'data-dir': { type: 'string' },
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      'ui-port': { type: 'string' },
      'ui-host': { type: 'string' },
      quit: { type: 'boolean' },
      'stop-all': { type: 'boolean' },
      'all-interfaces': { type: 'boolean', short: 'A' },
      'control-allow': { type: 'string' },
      udp: { type: 'boolean', short: 'U' },
      'no-control': { type: 'boolean', short: 'x' },
      'list-devices': { type: 'boolean', short: 'L' },
      'api-port': { type: 'string' },
      'no-api': { type: 'boolean' },
      'export-buttrc': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  const known = new Set(['headless', 'data-dir', 'config', 'port', 'ui-port', 'ui-host', 'quit', 'stop-all', 'help', 'version', 'all-interfaces', 'control-allow', 'udp', 'no-control', 'list-devices', 'api-port', 'no-api', 'export-buttrc']);
  const unknown = tokens.filter((t) => t.kind === 'option' && !known.has(t.name)).map((t) => (t.kind === 'option' ? t.rawName : ''));
  const args: CliArgs = {
    headless: values.headless === true,
    quit: values.quit === true,
    stopAll: values['stop-all'] === true,
    controlExposed: values['all-interfaces'] === true,
    controlAllow: typeof values['control-allow'] === 'string' ? values['control-allow'].split(',').map((a) => a.trim()).filter(Boolean) : [],
    controlUdp: values.udp === true,
    noControlServer: values['no-control'] === true,
    listDevices: values['list-devices'] === true,
    noApi: values['no-api'] === true,
    help: values.help === true,
    version: values.version === true,
  };
  if (typeof values['data-dir'] === 'string') args.dataDir = resolve(values['data-dir']);
  if (typeof values.config === 'string') args.config = resolve(values.config);
  if (typeof values['export-buttrc'] === 'string') args.exportButtrc = resolve(values['export-buttrc']);
  const portError = (flag: string, raw: unknown): AppError =>
    appError('CLI_BAD_PORT', `${flag} needs a port number from 1 to 65535, got "${String(raw)}"`);
  for (const [key, flag, field] of [
    ['port', '--port', 'controlPort'],
    ['ui-port', '--ui-port', 'uiPort'],
    ['api-port', '--api-port', 'apiPort'],
  ] as const) {
    const raw = values[key];
    if (raw === undefined) continue;
    const port = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return { args, unknown, error: portError(flag, raw) };
    }
    args[field] = port;
  }
  if (typeof values['ui-host'] === 'string') args.uiHost = values['ui-host'];
  // The web UI is a page that talks to the event API: without the API it could only show a blank screen.
  if (args.uiPort !== undefined && args.noApi) {
    return { args, unknown, error: appError('CLI_UI_NEEDS_API', '--ui-port needs the event API (the web UI talks to it): drop --no-api, or drop --ui-port.') };
  }
  if (args.uiHost !== undefined && args.uiPort === undefined) {
    return { args, unknown, error: appError('CLI_UI_HOST_WITHOUT_PORT', '--ui-host only makes sense with --ui-port <port>.') };
  }
  if (strict && unknown.length > 0) {
    return { args, unknown, error: appError('CLI_UNKNOWN_OPTION', `Unknown option ${unknown.join(', ')}. ${USAGE}`) };
  }
  return { args, unknown };
}
