/**
 * What a second launch on the same data dir asks the running instance to do. Besides
 * `--quit`, BUTT's control flags (-s -d -r -t -n -u -S ...) and `--stop-all` work through
 * this handover, so a desktop keyboard shortcut bound to `airtight --stop-all` (the fallback
 * where global shortcuts do not work, e.g. Wayland) reaches the instance whatever its command
 * port is, and even with the command server off (-x).
 */
import { parseCliArgs } from './cli-args';
import { parseControlArgs } from './control/client-args';
import type { ControlTarget } from './control/target';
import { formatStatus } from './control/wire';
import type { InstanceReply } from './instance-lock';

export interface SecondLaunchTarget {
  quit(): void;
  /** Quick stop; resolves with one line saying what was stopped. */
  stopAll(): Promise<string>;
  /** The same target the command server drives. */
  control: ControlTarget;
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
  const t = target.control;
  switch (request.kind) {
    case 'connect':
      await (request.serverName === undefined ? t.connect() : t.connect(request.serverName));
      return { ok: true, message: 'Connecting.' };
    case 'disconnect':
      await t.disconnect();
      return { ok: true, message: 'Disconnected.' };
    case 'start-recording':
      await t.startRecording();
      return { ok: true, message: 'Recording started.' };
    case 'stop-recording':
      await t.stopRecording();
      return { ok: true, message: 'Recording stopped.' };
    case 'split-recording':
      await t.splitRecording();
      return { ok: true, message: 'Recording split.' };
    case 'quit':
      target.quit();
      return { ok: true, message: 'Airtight is quitting.' };
    case 'set-song':
      await t.setSong(request.title);
      return { ok: true, message: 'Title set.' };
    case 'set-threshold':
      await t.setThreshold(request.threshold, request.seconds);
      return { ok: true, message: `Threshold ${request.threshold} set to ${request.seconds} s.` };
    case 'status':
      return { ok: true, message: formatStatus(await t.status()).trimEnd() };
  }
}
