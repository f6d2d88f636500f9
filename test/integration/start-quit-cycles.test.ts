/**
 * 100 start/quit cycles through every quit trigger headless mode has. After each: no
 * process, no zombie, no instance socket, the same ports bind again; at the end the test
 * process holds no more file descriptors than it started with.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import type { ShutdownTrigger } from '../../main/protocol/shutdown-report';
import { instanceSocketPath } from '../../main/host/instance-lock';
import { isPresent, lastReport, runLaunch, startAirtight, table, tempDataDir, treeOf } from '../helpers/airtight-process';
import { freePort, killTree } from '../helpers/ports';

const CYCLES = 100;
const TRIGGERS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'second-instance', 'fatal-error'] as const satisfies readonly ShutdownTrigger[];

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('start/quit cycles', () => {
  it(`${CYCLES} cycles through ${TRIGGERS.join(', ')} leave nothing behind`, async () => {
    const tcpPort = await freePort('tcp');
    const udpPort = await freePort('udp');
    const fdsBefore = openFds();
    const failures: string[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const trigger = TRIGGERS[cycle % TRIGGERS.length]!;
      const dataDir = tempDataDir();
      const r = await startAirtight({
        dataDir,
        open: { tcpListen: { host: '127.0.0.1', port: tcpPort }, udpMulticast: { group: '239.69.10.2', port: udpPort }, workerThread: true },
        env: trigger === 'fatal-error' ? { AIRTIGHT_DIAGNOSTICS_HOST_FAULT: 'throw-on-sigusr2' } : {},
      });
      try {
        // Same fixed ports every cycle: a socket leaked by the last cycle would fail this.
        await r.waitForOutput(/Diagnostics: opened 3 resources/, 10_000);
        const tree = treeOf(r.pid);
        if (trigger === 'second-instance') {
          const second = runLaunch(['--headless', '--data-dir', dataDir, '--quit']);
          let said = '';
          second.stdout!.on('data', (c: Buffer) => (said += c.toString()));
          const [code] = (await once(second, 'exit')) as [number];
          if (code !== 0 || !/Airtight is quitting/.test(said)) failures.push(`cycle ${cycle}: second launch said "${said.trim()}" (${code})`);
        } else if (trigger === 'fatal-error') {
          process.kill(r.pid, 'SIGUSR2');
        } else {
          process.kill(r.pid, trigger);
        }
        const exit = await r.exited;
        const report = lastReport(dataDir);
        const expectedCode = trigger === 'fatal-error' ? 1 : 0;
        if (exit.code !== expectedCode) failures.push(`cycle ${cycle} (${trigger}): exit code ${exit.code}`);
        if (report.trigger !== trigger) failures.push(`cycle ${cycle}: report trigger ${report.trigger}, expected ${trigger}`);
        if (!report.clean) failures.push(`cycle ${cycle} (${trigger}): unclean ${JSON.stringify(report.phases)}`);
        const diagnostic = report.engine?.resources.filter((r) => ['tcp-server', 'udp-socket', 'worker-thread'].includes(r.kind)) ?? [];
        if (diagnostic.length !== 3) failures.push(`cycle ${cycle}: engine closed ${diagnostic.length} of the 3 diagnostic resources`);
        const left = tree.filter((p) => isPresent(p.pid));
        if (left.length > 0) failures.push(`cycle ${cycle} (${trigger}): left ${left.map((p) => `${p.pid}:${table.get(p.pid)?.state}`)}`);
        if (existsSync(instanceSocketPath(dataDir))) failures.push(`cycle ${cycle}: instance socket left behind`);
      } finally {
        killTree(r.pid);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    }
    const zombies = table.list().filter((p) => p.ppid === process.pid && p.state === 'Z');
    expect(zombies).toEqual([]);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 2);
  }, 300_000);
});
