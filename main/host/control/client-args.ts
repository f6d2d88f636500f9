/**
 * BUTT's control-mode flags, parsed the way its getopt does (clustered `-Sp1256`, attached or
 * separate arguments, first control option wins), with one fix: `-s` takes the next argument
 * as a server name only when it is not itself an option, so `-s -p 1300` connects instead of
 * connecting to a server called "-p".
 */
import type { ControlRequest, ThresholdKind } from './wire';
import { MAX_THRESHOLD_SECONDS } from './wire';

export const DEFAULT_CONTROL_ADDRESS = '127.0.0.1';
export const DEFAULT_CONTROL_PORT = 1256;

export interface ControlClientArgs {
  request?: ControlRequest;
  address: string;
  port: number;
  protocol: 'tcp' | 'udp';
  help: boolean;
  /** Lines BUTT's client prints while parsing (warnings, "M threshold set to 5"). */
  notes: string[];
  /** Why the command line is refused; printed as is, exit code 1. */
  error?: string;
}

const COMMAND_FLAGS = new Set(['s', 'd', 'r', 't', 'n', 'q', 'u', 'S', 'M', 'm', 'O', 'o']);
/** Flags that take an argument (`s` takes an optional one). */
const WITH_ARGUMENT = new Set(['u', 'a', 'p', 'M', 'm', 'O', 'o', 'c']);
/** Operating-mode flags BUTT accepts next to a control option and ignores. */
const IGNORED = new Set(['A', 'x', 'L', 'U', 'h', 'v']);

const THRESHOLDS: Record<string, ThresholdKind> = {
  M: 'stream-signal',
  m: 'stream-silence',
  O: 'record-signal',
  o: 'record-silence',
};

export const CONTROL_USAGE = `Control a running Airtight or BUTT (one control option per call):
  -s [name]     connect (optionally to the named server)
  -d            disconnect          -r  start recording   -t  stop recording
  -n            split recording     -q  quit              -S  print status
  -u <song>     set the song title
  -M/-m <s>     stream signal / silence threshold in seconds (0 = off)
  -O/-o <s>     record signal / silence threshold in seconds (0 = off)
  -a <addr>     address of the instance (default 127.0.0.1)
  -p <port>     its command port (default 1256)
  -U            use UDP instead of TCP`;

/** True when argv holds a control option: the launcher then runs the client, not the app. */
export function hasControlFlag(argv: string[]): boolean {
  return parseControlArgs(argv).request !== undefined;
}

export function parseControlArgs(argv: string[]): ControlClientArgs {
  const args: ControlClientArgs = { address: DEFAULT_CONTROL_ADDRESS, port: DEFAULT_CONTROL_PORT, protocol: 'tcp', help: false, notes: [] };
  const setRequest = (flag: string, request: ControlRequest): void => {
    if (args.request) args.notes.push(`Warning: You may only pass one control option. Option -${flag} has been ignored.`);
    else args.request = request;
  };
  for (let i = 0; i < argv.length && !args.error; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    // Long options belong to Airtight's own command line; values after them are positionals.
    if (!arg.startsWith('-') || arg === '-' || arg.startsWith('--')) continue;
    for (let at = 1; at < arg.length && !args.error; at++) {
      const flag = arg[at]!;
      const rest = arg.slice(at + 1);
      if (flag === 's') {
        const next = argv[i + 1];
        let name: string | undefined;
        if (rest !== '') name = rest;
        else if (next !== undefined && !next.startsWith('-')) {
          name = next;
          i++;
        }
        setRequest('s', name ? { kind: 'connect', serverName: name } : { kind: 'connect' });
        break;
      }
      if (WITH_ARGUMENT.has(flag)) {
        let value: string | undefined = rest;
        if (value === '') {
          value = argv[i + 1];
          i++;
        }
        if (value === undefined) {
          args.error = `Option -${flag} requires an argument`;
          break;
        }
        applyValue(args, flag, value, setRequest);
        break;
      }
      if (IGNORED.has(flag)) {
        if (flag === 'U') args.protocol = 'udp';
        if (flag === 'h') args.help = true;
        continue;
      }
      if (!COMMAND_FLAGS.has(flag)) {
        args.error = `Illegal option -${flag}.\nType airtight -h to get a list of supported options.`;
        break;
      }
      const simple: Record<string, ControlRequest> = {
        d: { kind: 'disconnect' },
        r: { kind: 'start-recording' },
        t: { kind: 'stop-recording' },
        n: { kind: 'split-recording' },
        q: { kind: 'quit' },
        S: { kind: 'status' },
      };
      setRequest(flag, simple[flag]!);
    }
  }
  return args;
}

function applyValue(args: ControlClientArgs, flag: string, value: string, setRequest: (flag: string, request: ControlRequest) => void): void {
  switch (flag) {
    case 'u':
      setRequest('u', { kind: 'set-song', title: value });
      return;
    case 'a':
      args.address = value;
      return;
    case 'p': {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port < 1 || port > 65535) args.error = 'Illegal argument: Port must be a number between 1 and 65535';
      else args.port = port;
      return;
    }
    case 'c':
      return; // a config path means nothing to a control call
    default: {
      const seconds = Number(value);
      if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
        args.error = 'Illegal argument: Threshold must be a non-negative number';
        return;
      }
      if (seconds > MAX_THRESHOLD_SECONDS) {
        args.error = `Illegal argument: Threshold must be at most ${MAX_THRESHOLD_SECONDS} seconds`;
        return;
      }
      if (!args.request) args.notes.push(`${flag} threshold set to ${seconds}`);
      setRequest(flag, { kind: 'set-threshold', threshold: THRESHOLDS[flag]!, seconds });
    }
  }
}
