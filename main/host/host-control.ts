/**
 * The BUTT-compatible command server, driving this host: what `butt -r`, `-u`, `-q`... and
 * a Stream Deck do to BUTT, they do to Airtight. Errors go to the operator log; the remote
 * client only gets BUTT's ack.
 */
import { startControlServer, type ControlServer } from './control/server';
import type { ControlTarget, ThresholdKind } from './control/target';
import type { CliArgs } from './cli-args';
import type { Host } from './host';
import { toAppError } from '../shared/errors';

export interface StreamControl {
  connect(serverName?: string): Promise<void>;
  disconnect(): Promise<void>;
  setTitle(title: string): void;
}

export function hostControlTarget(host: Host, streams: () => StreamControl | undefined): ControlTarget {
  const report = (what: string) => (error: unknown) => {
    const appErr = toAppError(error, 'CONTROL_COMMAND_FAILED', `${what} failed`);
    host.log.error(`${what} (command server): ${appErr.message}`, appErr);
  };
  const unavailable = (what: string): void => {
    const message = `${what}: streaming is not available in this version yet.`;
    host.log.warn(message, { code: 'STREAMING_UNAVAILABLE', message });
  };
  return {
    connect: (name) => {
      const s = streams();
      if (!s) return unavailable('Connect');
      // HostStreams logs every problem itself.
      return s.connect(name).catch(() => undefined);
    },
    disconnect: () => {
      const s = streams();
      if (!s) return unavailable('Disconnect');
      return s.disconnect().catch(report('Disconnect'));
    },
    startRecording: () => host.engine.request('recorder.start', {}).then(() => undefined, report('Start recording')),
    stopRecording: () => host.engine.request('recorder.stop', {}).then(() => undefined, report('Stop recording')),
    splitRecording: () => host.engine.request('recorder.split', {}).then(() => undefined, report('Split recording')),
    quit: () => {
      host.requestQuit('control-port');
    },
    setSong: (title) => {
      host.status.update({ song: title });
      streams()?.setTitle(title);
    },
    setThreshold: (kind: ThresholdKind, seconds: number) => {
      if (host.automation) host.automation.setThreshold(kind, seconds);
      else host.log.warn(`Threshold ${kind} ignored: Airtight is still starting.`);
    },
    status: () => host.status.get(),
  };
}

export async function startHostControl(host: Host, args: CliArgs, streams: () => StreamControl | undefined): Promise<ControlServer | undefined> {
  if (args.noControlServer) return undefined;
  const started = await startControlServer({
    target: hostControlTarget(host, streams),
    protocol: args.controlUdp ? 'udp' : 'tcp',
    exposed: args.controlExposed,
    allow: args.controlAllow,
    ...(args.controlPort !== undefined ? { port: args.controlPort } : {}),
    log: host.log,
  });
  if (!started.ok) {
    host.log.error(started.error.message, started.error);
    return undefined;
  }
  return started.server;
}
