import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { descendantsOf } from '../../main/shared/process-table';
import { table } from './airtight-process';

/** A port that was free a moment ago (the OS picks it). */
export async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'tcp') {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    return port;
  }
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const port = socket.address().port;
  await new Promise<void>((r) => socket.close(() => r()));
  return port;
}

/** Test clean-up after a failure: SIGKILL a process and everything below it. */
export function killTree(pid: number): void {
  const victims = [...descendantsOf(table, pid).map((p) => p.pid), pid];
  for (const victim of victims) {
    try {
      process.kill(victim, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The child's exit code once it exits (null after a signal); SIGKILLed and null after `ms`. */
export function exited(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
