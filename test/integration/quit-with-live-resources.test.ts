/**
 * The defect Airtight exists to avoid: quitting while the engine holds sockets, a worker
 * thread and a helper process. Real processes, real sockets, real peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { isPresent, lastReport, startAirtight, treeOf, type RunningAirtight } from '../helpers/airtight-process';
import { freePort, killTree } from '../helpers/ports';

let running: RunningAirtight | undefined;
let peer: Server | undefined;
afterEach(async () => {
  if (running) killTree(running.pid);
  running = undefined;
  peer?.close();
  peer = undefined;
});

interface PeerConnection {
  socket: Socket;
  finAt?: number;
  error?: Error;
}

async function startPeer(): Promise<{ port: number; connections: PeerConnection[] }> {
  const connections: PeerConnection[] = [];
  peer = createServer((socket) => {
    const conn: PeerConnection = { socket };
    connections.push(conn);
    socket.on('end', () => {
      conn.finAt = performance.now();
      socket.end();
    });
    socket.on('error', (error) => (conn.error = error));
    socket.on('data', () => undefined);
  });
  peer.listen(0, '127.0.0.1');
  await once(peer, 'listening');
  const address = peer.address();
  if (!address || typeof address === 'string') throw new Error('no peer address');
  return { port: address.port, connections };
}

describe('quit while the engine holds live resources', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s closes every resource, the peer sees FIN first, the tree is gone, the ports rebind', async (signal) => {
    const { port: peerPort, connections } = await startPeer();
    const listenPort = await freePort('tcp');
    const udpPort = await freePort('udp');
    running = await startAirtight({
      open: {
        tcpConnect: { host: '127.0.0.1', port: peerPort },
        tcpListen: { host: '127.0.0.1', port: listenPort },
        udpMulticast: { group: '239.69.10.1', port: udpPort, iface: '127.0.0.1' },
        workerThread: true,
        childProcess: true,
        file: { path: join(process.env.TMPDIR ?? '/tmp', `airtight-rec-${process.pid}-${signal}.txt`) },
      },
    });
    await running.waitForOutput(/Diagnostics: opened 6 resources/);
    expect(connections).toHaveLength(1);
    const tree = treeOf(running.pid);
    // host, engine, helper process
    expect(tree.map((p) => p.pid)).toEqual(expect.arrayContaining([running.pid, running.enginePid]));
    expect(tree.length).toBeGreaterThanOrEqual(3);

    running.child.kill(signal);
    const exit = await running.exited;
    expect(exit.code).toBe(0);

    // The peer got an orderly FIN, not a reset, and before the host had exited.
    const conn = connections[0]!;
    expect(conn.error).toBeUndefined();
    expect(conn.finAt).toBeDefined();
    expect(conn.finAt!).toBeLessThan(exit.at);

    const report = lastReport(running.dataDir);
    expect(report.trigger).toBe(signal);
    expect(report.clean).toBe(true);
    expect(report.leftovers).toEqual([]);
    const resources = report.engine!.resources;
    // The diagnostic resources, plus what every engine has (the audio input, timers).
    expect(resources.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['audio-device', 'child-process', 'file', 'tcp-server', 'tcp-socket', 'timer', 'udp-socket', 'worker-thread']),
    );
    expect(resources.every((r) => r.outcome === 'closed')).toBe(true);
    expect(report.engine!.activeHandlesAfter).toEqual([]);
    // Close order follows the stages: AES67 before streams before the recorder before workers.
    const order = resources.map((r) => r.stage);
    expect(order.indexOf('audio-input')).toBeLessThan(order.indexOf('aes67'));
    expect(order.indexOf('aes67')).toBeLessThan(order.indexOf('streams'));
    expect(order.indexOf('streams')).toBeLessThan(order.indexOf('recorder'));
    expect(order.indexOf('recorder')).toBeLessThan(order.indexOf('workers'));
    expect(order.indexOf('workers')).toBeLessThan(order.indexOf('processes'));
    expect(report.phases.find((p) => p.phase === 'engine-kill')?.outcome).toBe('skipped');

    for (const proc of tree) expect(isPresent(proc.pid), `pid ${proc.pid} still present`).toBe(false);

    // Bind the engine's ports again at once, without SO_REUSEADDR.
    const tcp = createServer();
    tcp.listen({ port: listenPort, host: '127.0.0.1', exclusive: true });
    await once(tcp, 'listening');
    tcp.close();
    const udp = createSocket({ type: 'udp4', reuseAddr: false });
    udp.bind(udpPort);
    await once(udp, 'listening');
    udp.close();

    const file = readFileSync(resources.find((r) => r.kind === 'file')!.label, 'utf8');
    expect(file).toMatch(/^opened /);
  });
});
