/**
 * Entry of the media clock's thread. Mode `ptp`: owns the 319/320 sockets and runs the
 * follower. Mode `ptp4l`: polls a running ptp4l through its management socket. Either way
 * it publishes the local -> PTP mapping into the shared buffer, and reports state and
 * grandmaster changes to the engine thread. On `stop` it closes its sockets, says so, and
 * lets the thread end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { randomInt } from 'node:crypto';
import { FollowerCore, type FollowerState } from './follower-core';
import { resolvePtpInterface } from './network-interface';
import { openPtpSockets, type PtpSockets } from './ptp-sockets';
import { SharedClockReader, SharedClockWriter, type ClockState } from './shared-clock';
import type { ClockWorkerCommand, ClockWorkerData, ClockWorkerEvent } from './ptp-worker-protocol';
import type { ClockMapping } from './offset-estimator';
import { runPtp4lMode } from './ptp4l-mode';
import { installNativeCallGuard } from '../../../../native/native-call-guard';

const port = parentPort!;
const data = workerData as ClockWorkerData;
// Its libc calls (kernel receive stamps, the ptp4l socket) go through koffi: a terminate() past
// the stop deadline must not land inside one (native/native-call-guard.ts).
installNativeCallGuard(data.nativeCalls);
const post = (event: ClockWorkerEvent): void => port.postMessage(event);

/** What the worker must undo on stop. */
let closeAll: () => Promise<void> = async () => undefined;

port.on('message', (command: ClockWorkerCommand) => {
  if (command.type === 'stop') {
    void closeAll().then(() => {
      post({ type: 'sockets-closed' });
      port.close(); // nothing else keeps the thread alive: it ends
    });
  } else if (command.type === 'snapshot') {
    snapshot();
  }
});

let snapshot: () => void = () => undefined;

async function runFollower(config: Extract<ClockWorkerData, { mode: 'ptp' }>): Promise<void> {
  const writer = new SharedClockWriter(config.sab, config.senderMapping);
  const current = new SharedClockReader(config.sab).read();
  const resolved = resolvePtpInterface(config.iface);
  if (!resolved.ok) return post({ type: 'start-failed', error: resolved.error });
  const { iface } = resolved;

  let state: FollowerState = 'free-run';
  let grandmaster: string | null = null;
  let mapping: ClockMapping = current.mapping; // free-run until the follower has something better
  const publish = (): void => writer.write({ mapping, state, grandmaster });

  let sockets: PtpSockets | null = null;
  const core = new FollowerCore(
    // A random port number keeps our Delay_Req apart from a ptp4l on the same host (same MAC).
    { domainNumber: config.domainNumber, portIdentity: { clockIdentity: iface.clockIdentity, portNumber: randomInt(2, 0xfffe) } },
    { now: () => process.hrtime.bigint(), sendEvent: (bytes) => sockets?.sendEvent(bytes), random: Math.random },
    {
      state: (next, reason) => {
        state = next;
        publish();
        post({ type: 'state', state: next, reason });
      },
      grandmaster: (id, previous) => {
        grandmaster = id;
        publish();
        post({ type: 'grandmaster', id, previous });
      },
      mapping: (next) => {
        // null (a reset) keeps the last mapping: time stays continuous while relocking.
        if (next === null) return;
        mapping = next;
        publish();
      },
    },
  );

  const opened = await openPtpSockets({
    ifaceAddress: iface.address,
    eventPort: config.eventPort,
    generalPort: config.generalPort,
    onDatagram: (buf, rxLocal) => core.onDatagram(buf, rxLocal),
    onError: (error) => post({ type: 'warning', error }),
  });
  if (!opened.ok) return post({ type: 'start-failed', error: opened.error });
  sockets = opened.sockets;
  const timer = setInterval(() => core.tick(process.hrtime.bigint()), 20);
  snapshot = () => post({ type: 'snapshot', snapshot: { ...core.snapshot(), rxTimestamps: sockets?.timestamps() ?? null } });
  closeAll = async () => {
    clearInterval(timer);
    const s = sockets;
    sockets = null;
    await s?.close();
  };
  post({ type: 'started', description: `PTP follower on ${iface.name} (${iface.address}), clock ${iface.clockIdentity}, domain ${config.domainNumber}` });
}

async function main(): Promise<void> {
  if (data.mode === 'ptp') return runFollower(data);
  const handle = await runPtp4lMode(data, post);
  if (handle) {
    closeAll = handle.close;
    snapshot = () => post({ type: 'snapshot', snapshot: handle.snapshot() });
  }
}

void main().catch((error: unknown) =>
  post({ type: 'start-failed', error: { code: 'PTP_WORKER_FAILED', message: 'The PTP clock thread failed.', detail: String((error as Error)?.stack ?? error) } }),
);

export type { ClockState };
