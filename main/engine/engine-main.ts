/**
 * Entry of the engine process. It owns audio, encoders, network outputs and AES67; the host
 * only talks to it. It never outlives its host: IPC loss or a vanished parent pid makes it
 * close everything quickly and exit on its own.
 */
import { connectToHost } from './transport';
import { watchParent } from './parent-watchdog';
import { EngineService } from './engine-service';
import { ENGINE_PROTOCOL_VERSION, eventMessage } from '../protocol/engine-protocol';
import { toAppError } from '../shared/errors';

/** How long an orphaned engine may spend closing before it exits (it must be gone in 1 s). */
const ORPHAN_DEADLINE_MS = 600;
/**
 * SIGTERM comes from the host after its polite request failed, or from outside to the whole
 * process group (a service manager stopping us): either way, be quick.
 */
const SIGTERM_DEADLINE_MS = 400;

const link = connectToHost();
const hostPid = Number(process.env.AIRTIGHT_HOST_PID ?? process.ppid);
const service = new EngineService(link, { diagnostics: process.env.AIRTIGHT_ENGINE_DIAGNOSTICS === '1', workerDir: __dirname });

async function stopAndExit(reason: string, deadlineMs: number, code: number): Promise<void> {
  const report = await service.shutdown(reason, 'fast', deadlineMs);
  if (!report.clean) {
    // The host may be gone; stderr still reaches its log when it is not.
    process.stderr.write(`engine: ${reason}: not every resource closed: ${JSON.stringify(report.resources)}\n`);
  }
  // If the host is still there (a signal sent to the whole process group), it gets the report.
  await link.send(eventMessage('engine.stopped', { report }));
  link.close();
  process.exit(code);
}

link.onMessage((message) => {
  void service.handle(message).then(() => {
    if (service.finished) {
      // The reply has been written; nothing is left open. Exit without waiting for stragglers.
      link.close();
      setImmediate(() => process.exit(0));
    }
  });
});

const watchdog = watchParent(hostPid, (reason) => {
  void link.send(eventMessage('engine.orphaned', { reason }));
  void stopAndExit(`host lost: ${reason}`, ORPHAN_DEADLINE_MS, 0);
});
link.onLost((reason) => {
  watchdog.stop();
  void stopAndExit(`host lost: ${reason}`, ORPHAN_DEADLINE_MS, 0);
});
service.onShutdownStart(() => watchdog.stop());

process.on('SIGTERM', () => {
  if (service.faults.has('ignore-sigterm')) {
    service.log('warn', 'SIGTERM ignored (fault drill)');
    return;
  }
  void stopAndExit('SIGTERM', SIGTERM_DEADLINE_MS, 0);
});
// Ctrl-C in a terminal and a closed terminal reach the whole process group; the host
// decides when the engine stops, so the engine ignores them.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);

process.on('uncaughtException', (error) => {
  service.log('error', 'Engine internal error; stopping the engine', toAppError(error, 'ENGINE_CRASH', 'Engine crashed'));
  void stopAndExit('uncaught exception', ORPHAN_DEADLINE_MS, 70);
});

void link.send(eventMessage('engine.ready', { pid: process.pid, protocol: ENGINE_PROTOCOL_VERSION }));
