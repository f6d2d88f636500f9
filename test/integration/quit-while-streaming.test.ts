/**
 * Quitting while streaming, through the whole app: the real Icecast sees the source leave
 * (an orderly FIN, answered by Icecast closing its side and dropping the mount) before the app
 * has exited. A forwarding TCP relay between the app and Icecast only timestamps the two FINs;
 * the server is the real one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { isPresent, startAirtight, treeOf, type RunningAirtight } from '../helpers/airtight-process';
import { killTree } from '../helpers/ports';
import { Icecast } from '../helpers/icecast';
import { writeStationButtrc } from '../helpers/butt-station';

interface Relayed {
  /** The app's FIN reached the relay (and was passed on to Icecast). */
  appFinAt?: number;
  /** Icecast's FIN: it has seen the source go and closed its side. */
  serverFinAt?: number;
  appError?: Error;
  bytesFromApp: number;
  /** The request line: the source's PUT, or a status/metadata GET of the app's pollers. */
  firstLine: string;
}

/** Passes bytes both ways and notes when each side ends its half. */
class TimestampRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  readonly connections: Relayed[] = [];

  async listen(target: number): Promise<number> {
    this.server = createServer((app) => {
      const relayed: Relayed = { bytesFromApp: 0, firstLine: '' };
      this.connections.push(relayed);
      const icecast = connect(target, '127.0.0.1');
      for (const s of [app, icecast]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      }
      app.on('data', (d: Buffer) => {
        if (relayed.bytesFromApp === 0) relayed.firstLine = d.toString('latin1').split('\r\n')[0]!;
        relayed.bytesFromApp += d.length;
      });
      app.on('end', () => (relayed.appFinAt ??= performance.now()));
      app.on('error', (error) => (relayed.appError = error));
      icecast.on('end', () => (relayed.serverFinAt ??= performance.now()));
      icecast.on('error', () => undefined);
      app.pipe(icecast);
      icecast.pipe(app);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no relay address');
    return address.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise((r) => this.server!.close(r));
  }
}

let airtight: RunningAirtight | undefined;
let icecast: Icecast | undefined;
let relay: TimestampRelay | undefined;
afterEach(async () => {
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
  await relay?.close();
  relay = undefined;
  await icecast?.remove();
  icecast = undefined;
});

describe('quit while streaming', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: Icecast sees the source disconnect (and drops the mount) before the app exits', async (signal) => {
    icecast = await Icecast.start({ sourcePassword: 'rigpass' });
    relay = new TimestampRelay();
    const relayPort = await relay.listen(icecast.port);
    airtight = await startAirtight({ args: ['-c', writeStationButtrc(relayPort, 'rigpass')] });
    expect(await icecast.waitForMount('/butt.mp3', true, 15_000)).toBe(true);
    // Streaming for real: a second of 128 kbps MP3 has flowed through.
    // The listener-count poller also goes through the relay: the source is the PUT.
    const sources = relay.connections.filter((c) => c.firstLine.startsWith('PUT /butt.mp3'));
    expect(sources).toHaveLength(1);
    const source = sources[0]!;
    for (let i = 0; i < 100 && source.bytesFromApp < 16_000; i++) await new Promise((r) => setTimeout(r, 100));
    expect(source.bytesFromApp).toBeGreaterThanOrEqual(16_000);
    const tree = treeOf(airtight.pid);

    airtight.child.kill(signal);
    const exit = await airtight.exited;
    expect(exit.code, airtight.output().slice(-2000)).toBe(0);

    // An orderly FIN (no reset), and Icecast's answering FIN, both before the host exited.
    expect(source.appError).toBeUndefined();
    expect(source.appFinAt).toBeDefined();
    expect(source.serverFinAt, 'Icecast had not closed its side when the app exited').toBeDefined();
    expect(source.appFinAt!).toBeLessThan(exit.at);
    expect(source.serverFinAt!).toBeLessThan(exit.at);
    console.log(`${signal}: app FIN ${Math.round(exit.at - source.appFinAt!)} ms, Icecast FIN ${Math.round(exit.at - source.serverFinAt!)} ms before the host exited`);
    expect(await icecast.waitForMount('/butt.mp3', false, 5000)).toBe(true);
    // Nothing of the app is left.
    for (const p of tree) expect(isPresent(p.pid), `pid ${p.pid} still there`).toBe(false);
    airtight = undefined;
  });
});
