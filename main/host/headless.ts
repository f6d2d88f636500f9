/**
 * Headless mode: the same host and engine under plain Node, no window. The terminal is the
 * operator's screen; SIGINT, SIGTERM and SIGHUP run the one shutdown sequence.
 */
import { version } from '../../package.json';
import { forkEngine } from '../engine-host/engine-process';
import { formatEntry } from '../shared/operator-log';
import { toAppError } from '../shared/errors';
import type { ShutdownTrigger } from '../protocol/shutdown-report';
import { parseCliArgs, USAGE } from './cli-args';
import { defaultDataDir } from './data-dir';
import { Host, type UiSink } from './host';
import { listDevices } from '../../native/audio-input';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { SettingsStore } from '../settings/settings-store';
import { FileSecretStore } from '../settings/secrets/secret-store';
import { exportButtrc } from '../settings/buttrc/butt-export';
import { dataPaths } from './data-dir';

const QUIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const MAX_LOGGED_FATAL_ERRORS = 5;

/**
 * Writes to stdout until it goes away (a closed pipe, `| head`, a terminal gone after
 * SIGHUP); after that only the log file gets the lines. An EPIPE is not a reason to stop.
 */
function terminalWriter(): (line: string) => void {
  let open = true;
  process.stdout.on('error', () => {
    open = false;
  });
  return (line) => {
    if (open && process.stdout.writable) process.stdout.write(line + '\n');
  };
}

export interface HeadlessOptions {
  engineEntry: string;
  /** Why we are headless when the user did not ask for it (no display, no Electron binary). */
  notice?: string;
  out?: (line: string) => void;
}

export async function runHeadless(argv: string[], options: HeadlessOptions): Promise<number> {
  const out = options.out ?? terminalWriter();
  const { args, error } = parseCliArgs(argv);
  if (error) {
    out(`airtight: ${error.message}`);
    return 2;
  }
  if (args.help) {
    out(USAGE);
    return 0;
  }
  if (args.version) {
    out(`airtight ${version}`);
    return 0;
  }
  if (args.listDevices) return listAudioDevices(out);
  if (args.exportButtrc) return exportButtrcFile(args.dataDir ?? defaultDataDir(), args.exportButtrc, out);
  if (options.notice) out(`airtight: ${options.notice}`);

  // Until the host exists, a fatal error can only be printed; after that it runs the shutdown.
  let fatalErrors = 0;
  let onFatal = (error: unknown): void => {
    out(`airtight: internal error while starting: ${String(error)}`);
    process.exit(1);
  };
  process.on('uncaughtException', (error) => onFatal(error));
  process.on('unhandledRejection', (error) => onFatal(error));

  const started = await Host.start({
    args,
    argv,
    dataDir: args.dataDir ?? defaultDataDir(),
    launcher: forkEngine,
    engineEntry: options.engineEntry,
    // out/main/engine.js -> out/renderer (electron-vite's layout); chunks live deeper, so not __dirname.
    uiRoot: join(dirname(options.engineEntry), '..', 'renderer'),
  });
  if ('forwarded' in started) {
    out(`airtight: ${started.forwarded.message}`);
    return started.forwarded.ok ? 0 : 1;
  }
  const { host } = started;
  // What was logged while starting (previous-run notice, engine start) comes first.
  for (const entry of host.log.entries()) out(formatEntry(entry));
  host.addSink(terminalSink(out));

  return new Promise<number>((resolve) => {
    const quit = (trigger: ShutdownTrigger, code?: number): void => {
      void host.quit(trigger).then((report) => resolve(code ?? (report.clean ? 0 : 1)));
    };
    for (const signal of QUIT_SIGNALS) process.on(signal, () => quit(signal));
    onFatal = (error) => {
      // Bounded: an error raised by the logging itself must not feed on itself.
      if (++fatalErrors > MAX_LOGGED_FATAL_ERRORS) return;
      host.log.error('Internal error in the host; shutting down', toAppError(error, 'HOST_FATAL', 'Internal error in the host'));
      quit('fatal-error', 1);
    };
    host.log.info(`Headless mode: press Ctrl-C to quit (data dir ${host.paths.dir}).`);
  });
}

function terminalSink(out: (line: string) => void): UiSink {
  return {
    name: 'terminal',
    log: (entry) => out(formatEntry(entry)),
    shutdownProgress: (p) => {
      if (p.state === 'finished' && p.outcome !== 'skipped') out(`  shutdown: ${p.phase} ${p.outcome}`);
    },
  };
}

/** BUTT's -L: the capture devices PortAudio sees, with what they can do. */
async function listAudioDevices(out: (line: string) => void): Promise<number> {
  const listed = await listDevices({ probeRates: true });
  if ('error' in listed) {
    out(`airtight: ${listed.error.message}`);
    return 1;
  }
  if (listed.devices.length === 0) {
    out('No audio input devices found. Airtight can still run on its test tone.');
    return 0;
  }
  for (const [index, device] of listed.devices.entries()) {
    out(`${index}: ${device.name}${device.isDefault ? ' (default)' : ''} [${device.hostApi}] ${device.maxInputChannels} ch, rates ${device.sampleRates.join(', ')}`);
  }
  return 0;
}

/**
 * `--export-buttrc <file>`: the data dir's settings as a BUTT config, passwords included (BUTT
 * reads them from its file), so the file is written 0600.
 */
function exportButtrcFile(dataDir: string, target: string, out: (line: string) => void): number {
  const paths = dataPaths(dataDir);
  const settings = new SettingsStore(paths.settings);
  const problem = settings.load();
  if (problem) {
    out(`airtight: ${problem.message}`);
    return 1;
  }
  const secrets = FileSecretStore.open(join(paths.dir, 'secrets.json'));
  if (!secrets.ok) out(`airtight: ${secrets.error.message} Passwords are left out of the export.`);
  const exported = exportButtrc(settings.get(), (ref) => (secrets.ok ? secrets.store.get(ref) : undefined));
  if (!exported.ok) {
    out(`airtight: ${exported.error.message}`);
    return 1;
  }
  writeFileAtomic.sync(target, exported.text, { mode: 0o600 });
  for (const warning of exported.warnings) out(`airtight: note: ${warning}`);
  out(`airtight: wrote ${target}`);
  return 0;
}
