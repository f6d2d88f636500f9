/**
 * Real resources and fault drills on demand, so the shutdown path can be proven end to end
 * with live sockets, a worker thread and a child process. Enabled only when the engine is
 * started with AIRTIGHT_ENGINE_DIAGNOSTICS=1; the protocol rejects it otherwise.
 */
import { connect, createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import type { DiagnosticsOpen, EngineFault, OpenResource } from '../protocol/engine-protocol';
import type { ResourceRegistry } from './resource-registry';
import {
  closeTcpServer,
  closeTcpSocket,
  closeUdpSocket,
  finalizeFile,
  joinWorker,
  stopChildProcess,
} from './resource-closers';

// A worker that ticks like a packet pacer and leaves its loop when told to stop.
const PACER_LIKE_WORKER = `
const { parentPort } = require('node:worker_threads');
let ticks = 0;
const timer = setInterval(() => { ticks++; }, 1);
parentPort.on('message', (m) => { if (m && m.type === 'stop') { clearInterval(timer); parentPort.close(); } });
`;

export async function openDiagnosticResources(registry: ResourceRegistry, req: DiagnosticsOpen): Promise<OpenResource[]> {
  const ids: string[] = [];

  if (req.tcpListen) {
    const server = createServer((socket) => socket.end());
    server.listen(req.tcpListen.port, req.tcpListen.host);
    await once(server, 'listening');
    ids.push(
      registry.register(
        { kind: 'tcp-server', stage: 'control', label: `listening on ${req.tcpListen.host}:${req.tcpListen.port}` },
        closeTcpServer(server),
      ).id,
    );
  }

  if (req.tcpConnect) {
    const { host, port } = req.tcpConnect;
    const socket = connect({ host, port });
    await once(socket, 'connect');
    socket.on('error', () => undefined); // reported through close; never crash the engine
    socket.on('data', () => undefined);
    const handle = registry.register(
      { kind: 'tcp-socket', stage: 'streams', label: `connection to ${host}:${port}` },
      closeTcpSocket(socket),
    );
    ids.push(handle.id);
  }

  if (req.udpMulticast) {
    const { group, port, iface } = req.udpMulticast;
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    socket.bind(port);
    await once(socket, 'listening');
    socket.addMembership(group, iface);
    if (iface) socket.setMulticastInterface(iface);
    ids.push(
      registry.register(
        { kind: 'udp-socket', stage: 'aes67', label: `multicast ${group}:${port}` },
        closeUdpSocket(socket, [{ group, ...(iface ? { iface } : {}) }]),
      ).id,
    );
  }

  if (req.workerThread) {
    const worker = new Worker(PACER_LIKE_WORKER, { eval: true });
    await once(worker, 'online');
    ids.push(
      registry.register({ kind: 'worker-thread', stage: 'workers', label: 'diagnostic pacer thread' }, joinWorker(worker))
        .id,
    );
  }

  if (req.childProcess) {
    // Stands in for helpers the engine will spawn (e.g. an ffmpeg AAC encoder).
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    await once(child, 'spawn');
    ids.push(
      registry.register(
        { kind: 'child-process', stage: 'processes', label: `helper process ${child.pid}`, pid: child.pid! },
        stopChildProcess(child),
      ).id,
    );
  }

  if (req.file) {
    const file = await open(req.file.path, 'a');
    await file.write(`opened ${new Date().toISOString()}\n`);
    ids.push(registry.register({ kind: 'file', stage: 'recorder', label: req.file.path }, finalizeFile(file)).id);
  }

  return registry.list().filter((r) => ids.includes(r.id));
}

export class FaultSwitch {
  private readonly armed = new Set<EngineFault>();
  arm(fault: EngineFault): void {
    this.armed.add(fault);
  }
  has(fault: EngineFault): boolean {
    return this.armed.has(fault);
  }
}
