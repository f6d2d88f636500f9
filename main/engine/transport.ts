/**
 * The engine's link to its host. Under Electron the engine is a utilityProcess and talks
 * through `process.parentPort`; under Node it is a `child_process.fork` child and talks
 * through `process.send`. Both carry the same messages.
 */
export interface HostLink {
  send(message: unknown): Promise<void>;
  onMessage(handler: (message: unknown) => void): void;
  /** Called once when the link to the host is gone. */
  onLost(handler: (reason: string) => void): void;
  close(): void;
}

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start?(): void;
  close?(): void;
}

export function connectToHost(proc: NodeJS.Process = process): HostLink {
  const parentPort = (proc as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
  if (parentPort) return parentPortLink(parentPort);
  if (typeof proc.send === 'function') return forkLink(proc);
  throw new Error('The engine must be started by Airtight (no IPC channel to a host).');
}

function parentPortLink(port: ParentPort): HostLink {
  return {
    send: (message) => {
      port.postMessage(message);
      return Promise.resolve();
    },
    onMessage: (handler) => port.on('message', (event) => handler(event.data)),
    onLost: (handler) => port.on('close', () => handler('parent port closed')),
    close: () => port.close?.(),
  };
}

function forkLink(proc: NodeJS.Process): HostLink {
  return {
    send: (message) =>
      new Promise((resolve) => {
        if (!proc.connected) return resolve();
        proc.send!(message, undefined, {}, () => resolve());
      }),
    onMessage: (handler) => proc.on('message', handler),
    onLost: (handler) => proc.once('disconnect', () => handler('IPC channel disconnected')),
    close: () => {
      if (proc.connected) proc.disconnect();
    },
  };
}
