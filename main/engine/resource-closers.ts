/**
 * How to close each kind of Node resource so that "closed" means the OS has let go of it:
 * a TCP peer has seen our FIN, a UDP port can be bound again, a worker thread has joined,
 * a child process has been reaped.
 */
import type { Socket, Server } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Worker } from 'node:worker_threads';
import type { ChildProcess } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';
import type { Closer } from './resource-registry';

/** Half-close (FIN) and wait for the peer to finish; destroy only when the deadline hits. */
export function closeTcpSocket(socket: Socket): Closer {
  return (signal) =>
    new Promise((resolve) => {
      if (socket.destroyed) return resolve();
      const onAbort = (): void => {
        socket.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('close', () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      socket.end();
    });
}

export function closeTcpServer(server: Server): Closer {
  return () =>
    new Promise((resolve, reject) => {
      if (!server.listening) return resolve();
      server.close((error) => (error ? reject(error) : resolve()));
    });
}

export function closeUdpSocket(socket: UdpSocket, memberships: { group: string; iface?: string }[] = []): Closer {
  return () =>
    new Promise((resolve) => {
      for (const m of memberships) {
        try {
          socket.dropMembership(m.group, m.iface);
        } catch {
          // Already dropped or socket closed: closing releases it either way.
        }
      }
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // ERR_SOCKET_DGRAM_NOT_RUNNING: already closed.
      }
    });
}

/**
 * Ask the worker to stop, then join it. A worker stuck in a busy loop never reads the
 * request: terminate() stops it at the next JS instruction and resolves once it has exited.
 */
export function joinWorker(worker: Worker, stopMessage: unknown = { type: 'stop' }, politeMs = 300): Closer {
  return (signal) =>
    new Promise((resolve) => {
      let exited = false;
      worker.once('exit', () => {
        exited = true;
        clearTimeout(timer);
        resolve();
      });
      const force = (): void => {
        if (!exited) void worker.terminate();
      };
      const timer = setTimeout(force, politeMs);
      signal.addEventListener('abort', force, { once: true });
      worker.postMessage(stopMessage);
    });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves only once the child has been reaped. */
export function stopChildProcess(child: ChildProcess, graceMs = 500): Closer {
  return (signal) =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = (): void => {
        child.kill('SIGKILL');
      };
      const timer = setTimeout(kill, graceMs);
      signal.addEventListener('abort', kill, { once: true });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** Flush to disk, then close: a recording is only safe once fsync has returned. */
export function finalizeFile(file: FileHandle): Closer {
  return async () => {
    await file.sync();
    await file.close();
  };
}
