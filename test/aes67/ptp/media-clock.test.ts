/**
 * The media clock without root: free-run, ptp4l mode with no ptp4l, the follower on loopback
 * with unprivileged test ports (no master there: it stays free-run) and its registry closers,
 * and the shared mapping read from another thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AirtightMediaClock } from '../../../main/engine/aes67/ptp/media-clock';
import { SharedClockReader, SharedClockWriter, createSharedClock, ptpAt } from '../../../main/engine/aes67/ptp/shared-clock';
import { ResourceRegistry } from '../../../main/engine/resource-registry';
import { ClockMappingReader } from '../../../main/engine/aes67/media-clock';

const EVENT_PORT = 31_900 + (process.pid % 50) * 2;
const GENERAL_PORT = EVENT_PORT + 1;

function udpPortsHeld(ports: number[]): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while listing
    }
  }
  const held: number[] = [];
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    const port = parseInt(cols[1]!.split(':')[1]!, 16);
    if (ports.includes(port) && inodes.has(cols[9]!)) held.push(port);
  }
  return held.sort();
}

const TAI_MINUS_UTC_NS = 37_000_000_000;

let clock: AirtightMediaClock | undefined;
afterEach(async () => {
  await clock?.stop();
  clock = undefined;
});

describe('AirtightMediaClock', () => {
  it('free-run: the local clock as TAI (CLOCK_REALTIME + 37 s), no grandmaster, nothing to close', async () => {
    clock = await AirtightMediaClock.start({ mode: 'free-run' });
    expect(clock.state()).toBe('free-run');
    expect(clock.mode()).toBe('free-run');
    expect(clock.grandmasterId()).toBeNull();
    expect(clock.warning()).toBeNull();
    const diff = Number(clock.nowNs() - BigInt(Date.now()) * 1_000_000n) - TAI_MINUS_UTC_NS;
    expect(Math.abs(diff)).toBeLessThan(50_000_000);
    expect(clock.register(new ResourceRegistry())).toEqual([]);
    // The sender's mapping buffer tells the same time.
    const local = process.hrtime.bigint();
    const sender = new ClockMappingReader(clock.mapping).ptpAt(local);
    const ours = new SharedClockReader(clock.sharedBuffer()).nowNs(local);
    expect(sender).toBe(ours);
    expect(clock.domain()).toBe(0);
  });

  it('onChange fires on state and grandmaster events and unsubscribes', async () => {
    clock = await AirtightMediaClock.start({ mode: 'free-run', domainNumber: 3 });
    expect(clock.domain()).toBe(3);
    let calls = 0;
    const off = clock.onChange(() => calls++);
    clock.emit('state', 'locking', 'test');
    clock.emit('grandmaster', '00-1D-C1-FF-FE-12-34-56', null);
    off();
    clock.emit('state', 'locked', 'test');
    expect(calls).toBe(2);
  });

  it('the follower on loopback: two registry entries; closing them closes both sockets and joins the thread', async () => {
    clock = await AirtightMediaClock.start({ mode: 'ptp', iface: 'lo', eventPort: EVENT_PORT, generalPort: GENERAL_PORT });
    expect(clock.mode()).toBe('ptp');
    expect(clock.warning()).toBeNull();
    expect(clock.describe()).toMatch(/PTP follower on lo/);
    expect(clock.state()).toBe('free-run'); // nobody is a master on lo
    expect(udpPortsHeld([EVENT_PORT, GENERAL_PORT])).toEqual([EVENT_PORT, GENERAL_PORT]);
    const snapshot = (await clock.snapshot()) as { counters: { delayReqsSent: number } };
    expect(snapshot.counters.delayReqsSent).toBe(0); // slave only: silent without a master

    const registry = new ResourceRegistry();
    clock.register(registry);
    expect(registry.list().map((r) => [r.kind, r.stage])).toEqual([
      ['udp-socket', 'aes67'],
      ['worker-thread', 'workers'],
    ]);
    const report = await registry.closeAll(3000);
    expect(report.map((r) => r.outcome)).toEqual(['closed', 'closed']);
    expect(udpPortsHeld([EVENT_PORT, GENERAL_PORT])).toEqual([]);
    expect(await clock.snapshot(200)).toBeNull(); // no thread left to answer
    // The ports are free again: a second clock binds them at once.
    const second = await AirtightMediaClock.start({ mode: 'ptp', iface: 'lo', eventPort: EVENT_PORT, generalPort: GENERAL_PORT });
    expect(second.mode()).toBe('ptp');
    await second.stop();
    expect(udpPortsHeld([EVENT_PORT, GENERAL_PORT])).toEqual([]);
  });

  it('an unknown interface falls back to free-run with the reason', async () => {
    clock = await AirtightMediaClock.start({ mode: 'ptp', iface: 'no-such-if0', eventPort: EVENT_PORT, generalPort: GENERAL_PORT });
    expect(clock.mode()).toBe('free-run');
    expect(clock.warning()?.code).toBe('PTP_NO_INTERFACE');
    expect(clock.state()).toBe('free-run');
  });

  it('ptp4l mode without a ptp4l: keeps polling in free-run, warns, and removes its socket file on stop', async () => {
    const warnings: string[] = [];
    clock = await AirtightMediaClock.start({ mode: 'ptp4l', ptp4lSocket: join(tmpdir(), `no-ptp4l-${process.pid}`) });
    clock.on('warning', (e) => warnings.push(e.code));
    expect(clock.mode()).toBe('ptp4l');
    expect(clock.state()).toBe('free-run');
    expect(clock.warning()?.code).toBe('PTP4L_NOT_ANSWERING');
    expect(clock.warning()?.message).toMatch(/not running/);
    const mine = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith(`airtight-pmc-${process.pid}-`));
    expect(mine().length).toBe(1);
    await clock.stop();
    expect(mine()).toEqual([]);
  });
});

describe('shared clock mapping', () => {
  it('applies offset and rate; a reader in another thread sees the same time', async () => {
    const sab = createSharedClock({ mapping: { refLocalNs: 1000n, refPtpNs: 5_000_000_000n, rate: 100e-6 }, state: 'locked', grandmaster: '001dc1fffe123456' });
    const reader = new SharedClockReader(sab);
    expect(reader.read()).toMatchObject({ state: 'locked', grandmaster: '001dc1fffe123456' });
    expect(ptpAt(reader.read().mapping, 1_000_001_000n)).toBe(5_000_000_000n + 1_000_000_000n + 100_000n);
    // A grandmaster with the top bit set survives the signed 64-bit slot.
    new SharedClockWriter(sab).write({ mapping: reader.read().mapping, state: 'locking', grandmaster: 'ffeeddfffe000001' });
    expect(reader.read().grandmaster).toBe('ffeeddfffe000001');

    const source = join(__dirname, '..', '..', '..', 'main', 'engine', 'aes67', 'ptp', 'shared-clock.ts');
    const worker = new Worker(
      `require(${JSON.stringify(require.resolve('tsx/cjs'))});
       const { SharedClockReader } = require(${JSON.stringify(source)});
       const { parentPort, workerData } = require('node:worker_threads');
       const local = process.hrtime.bigint();
       parentPort.postMessage({ local, ptp: new SharedClockReader(workerData).nowNs(local), state: new SharedClockReader(workerData).read().state });`,
      { eval: true, workerData: sab },
    );
    const got = await new Promise<{ local: bigint; ptp: bigint; state: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(got.state).toBe('locking');
    expect(got.ptp).toBe(ptpAt(reader.read().mapping, got.local));
  });
});
