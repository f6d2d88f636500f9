/**
 * What a second launch on the same data dir asks the running instance to do. Besides
 * `--quit`, BUTT's control flags (-s -d -r -t -n -u -S ...) and `--stop-all` work through
 * this handover, so a desktop keyboard shortcut bound to `airtight --stop-all` (the fallback
 * where global shortcuts do not work, e.g. Wayland) reaches the instance whatever its command
 * port is, and even with the command server off (-x).
 */
import { parseCliArgs } from './cli-args';
import { parseControlArgs } from './control/client-args';
import { formatStatus, type StatusV3 } from './control/wire';
import type { InstanceReply } from './instance-lock';
import type { OperatorCommand } from '../protocol/operator-api';
import { toAppError } from '../shared/errors';

export interface SecondLaunchTarget {
  quit(): void;
  /** Quick stop; resolves with one line saying what was stopped. */
  stopAll(): Promise<string>;
  /** The operator dispatcher: its errors become the launch's answer (exit code 1). */
  run(command: OperatorCommand): Promise<unknown>;
  status(): StatusV3;
}

/** True when argv asks a running instance for something rather than starting one. */
export function isInstanceRequest(argv: string[]): boolean {
  const { args } = parseCliArgs(argv, false);
  return args.quit || args.stopAll || parseControlArgs(argv).request !== undefined;
}

export async function answerSecondLaunch(argv: string[], target: SecondLaunchTarget): Promise<InstanceReply | undefined> {
  const { args } = parseCliArgs(argv, false);
  if (args.quit) {
    target.quit();
    return { ok: true, message: 'Airtight is quitting.' };
  }
  if (args.stopAll) return { ok: true, message: await target.stopAll() };
  const control = parseControlArgs(argv);
  if (control.error) return { ok: false, message: control.error };
  const request = control.request;
  if (!request) return undefined;
  const run = async (command: OperatorCommand, done: string): Promise<InstanceReply> => {
    try {
      await target.run(command);
      return { ok: true, message: done };
    } catch (error) {
      return { ok: false, message: toAppError(error, 'CONTROL_COMMAND_FAILED', 'The command failed').message };
    }
  };
  switch (request.kind) {
    case 'connect':
      return run({ name: 'connect', params: request.serverName === undefined ? {} : { server: request.serverName } }, 'Connecting.');
    case 'disconnect':
      return run({ name: 'disconnect', params: {} }, 'Disconnected.');
    case 'start-recording':
      return run({ name: 'record.start', params: {} }, 'Recording started.');
    case 'stop-recording':
      return run({ name: 'record.stop', params: {} }, 'Recording stopped.');
    case 'split-recording':
      return run({ name: 'record.split', params: {} }, 'Recording split.');
    case 'quit':
      target.quit();
      return { ok: true, message: 'Airtight is quitting.' };
    case 'set-song':
      return run({ name: 'title.set', params: { title: request.title } }, 'Title set.');
    case 'set-threshold':
      return run({ name: 'threshold.set', params: { kind: request.threshold, seconds: request.seconds } }, `Threshold ${request.threshold} set to ${request.seconds} s.`);
    case 'status':
      return { ok: true, message: formatStatus(target.status()).trimEnd() };
  }
}
