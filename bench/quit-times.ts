/**
 * Quit-time benchmark: how long the real built Airtight (headless, `out/main/launch.js`) takes to
 * quit while its engine holds every kind of output, and what BUTT takes for the same.
 *
 * Each Airtight cycle starts a fresh instance on a fresh data dir with live diagnostic resources
 * (a TCP connection to a server run here, a TCP listener, a UDP socket joined to a 239.69.x.y
 * multicast group on 127.0.0.1, a worker thread, a child process, an open file), then sends it
 * a signal and measures:
 *   quit    = signal sent -> the host process's exit observed here (child 'exit' event);
 *   report  = the `ms` of the last line of <data-dir>/shutdown-reports.jsonl (the host's own view).
 * Per cycle it also checks: the report is clean and names the right trigger; our TCP server saw
 * a FIN (not a reset) on the engine's connection; the engine's TCP and UDP ports bind again at
 * once; no process is left. Leftovers = processes of the host's tree (snapshot just before the
 * signal) or carrying this cycle's environment tag that are still present when the exit is
 * observed; they are SIGKILLed by pid and counted.
 *
 * A benchmark, not a test: no thresholds. Exit code 1 only when a cycle left a process behind
 * or Airtight failed to start (or the bench itself broke).
 *
 * Knobs (env): BENCH_QUIT_CYCLES (100), BENCH_QUIT_SIGINT_CYCLES (20), BENCH_BUTT_CYCLES (20 per
 * quit method), BENCH_BUTT=0 to skip the peer, BENCH_MAX_MINUTES (20; no new cycle after that),
 * BENCH_SETTLE_MS (200) and BENCH_BUTT_SETTLE_MS (3000): idle time between ready and quit.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { cpus, loadavg, release } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAUNCH, ROOT, lastReport, startAirtight, tempDataDir, treeOf } from '../test/helpers/airtight-process';
import { freePort } from '../test/helpers/ports';
import type { ShutdownReport } from '../main/protocol/shutdown-report';
import { TAG_VAR, killLeftovers, sleep, stillPresent, taggedProcesses, waitFor, within, type Leftover } from './lib/procs';
import { fmt, formatTable, summarize, type Summary } from './lib/stats';
import { runButtPeer, type ButtResult } from './lib/butt-peer';

type QuitSignal = 'SIGTERM' | 'SIGINT';

function intEnv(name: string, fallback: number): number {
  const value = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** After the resources are open, before the signal. Airtight is idle by then (see the header). */
const SETTLE_MS = intEnv('BENCH_SETTLE_MS', 200);
const START_TIMEOUT_MS = 20_000;
const QUIT_TIMEOUT_MS = 15_000; // well above the normal profile's 6 s total deadline
const MULTICAST_GROUP = '239.69.77.1';

interface AirtightSample {
  cycle: number;
  signal: QuitSignal;
  startMs: number;
  quitMs: number | null;
  reportMs: number | null;
  engineMs: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  clean: boolean;
  trigger: string | null;
  /** Phases that were neither ok nor skipped, the report's leftovers, missing pieces. */
  problems: string[];
  /** The engine report's leak detector: Node handles still active after every resource closed. */
  handlesAfter: string[];
  fin: boolean;
  finBeforeExit: boolean;
  reset: boolean;
  portsRebound: boolean;
  hung: boolean;
  treeSize: number;
  leftovers: Leftover[];
}

interface PeerConnection {
  cycle: number;
  finAt?: number;
  closed: boolean;
  error?: string;
}

class FinCounter {
  readonly connections: PeerConnection[] = [];
  cycle = -1;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket: Socket) => {
      const conn: PeerConnection = { cycle: this.cycle, closed: false };
      this.connections.push(conn);
      socket.on('data', () => undefined);
      socket.on('end', () => {
        conn.finAt = performance.now();
        socket.end(); // the engine waits for our FIN too before it calls the socket closed
      });
      socket.on('error', (error: NodeJS.ErrnoException) => (conn.error = error.code ?? error.message));
      socket.on('close', () => (conn.closed = true));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  of(cycle: number): PeerConnection[] {
    return this.connections.filter((c) => c.cycle === cycle);
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
  }
}

async function portsRebind(tcpPort: number, udpPort: number): Promise<boolean> {
  const tcp = createServer();
  const tcpOk = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false));
    tcp.listen({ port: tcpPort, host: '127.0.0.1', exclusive: true }, () => resolve(true));
  });
  if (tcpOk) await new Promise((resolve) => tcp.close(resolve));
  const udp = createSocket({ type: 'udp4', reuseAddr: false });
  const udpOk = await new Promise<boolean>((resolve) => {
    udp.once('error', () => resolve(false));
    udp.bind(udpPort, () => resolve(true));
  });
  try {
    udp.close();
  } catch {
    // not bound
  }
  return tcpOk && udpOk;
}

function reportProblems(report: ShutdownReport): string[] {
  const problems = report.phases
    .filter((p) => p.outcome !== 'ok' && p.outcome !== 'skipped')
    .map((p) => `${p.phase} ${p.outcome}: ${p.participants.map((x) => x.detail ?? x.outcome).join('; ')}`);
  for (const l of report.leftovers) problems.push(`leftover pid ${l.pid} (${l.state})`);
  for (const p of report.phases) {
    if ((p.phase === 'engine-terminate' || p.phase === 'engine-kill') && p.outcome === 'ok') problems.push(`${p.phase} was needed`);
  }
  return problems;
}

async function airtightCycle(peer: FinCounter, cycle: number, signal: QuitSignal): Promise<AirtightSample | { startFailed: string }> {
  const tag = `${process.pid}-airtight-${signal}-${cycle}`;
  const listenPort = await freePort('tcp');
  const udpPort = await freePort('udp');
  const dataDir = tempDataDir('airtight-bench-');
  peer.cycle = cycle;
  const started = performance.now();
  let running: Awaited<ReturnType<typeof startAirtight>> | undefined;
  try {
    running = await startAirtight({
      dataDir,
      env: { [TAG_VAR]: tag },
      open: {
        tcpConnect: { host: '127.0.0.1', port: peer.port },
        tcpListen: { host: '127.0.0.1', port: listenPort },
        udpMulticast: { group: MULTICAST_GROUP, port: udpPort, iface: '127.0.0.1' },
        workerThread: true,
        childProcess: true,
        file: { path: join(dataDir, 'diagnostic-recording.txt') },
      },
    });
    const opened = await running.waitForOutput(/Diagnostics: opened \d+ resources|Diagnostics request failed.*/, START_TIMEOUT_MS);
    if (!opened.includes('opened 6 resources')) throw new Error(`diagnostics: ${opened}`);
  } catch (error) {
    const left = await killLeftovers(taggedProcesses(tag));
    rmSync(dataDir, { recursive: true, force: true });
    const output = running?.output().trim().split('\n').slice(-5).join(' | ') ?? '';
    return { startFailed: `${String(error).split('\n')[0]}${output ? ` (last output: ${output})` : ''}; killed ${left.length}` };
  }
  const startMs = performance.now() - started;
  await sleep(SETTLE_MS);
  const tree = treeOf(running.pid);

  const sentAt = performance.now();
  process.kill(running.pid, signal);
  const exit = await within(running.exited, QUIT_TIMEOUT_MS, undefined);
  const hung = exit === undefined;
  // Checked at once: anything still there when the host has exited was left behind.
  const leftovers = await killLeftovers(stillPresent(tree, tag));
  if (hung) await within(running.exited, 3000, undefined);

  const conns = peer.of(cycle);
  await waitFor(() => conns.every((c) => c.closed), 1000, 5);
  const conn = conns[0];
  let report: ShutdownReport | undefined;
  try {
    report = lastReport(dataDir);
  } catch {
    report = undefined;
  }
  const rebound = await portsRebind(listenPort, udpPort);
  const fileOk = (() => {
    try {
      return readFileSync(join(dataDir, 'diagnostic-recording.txt'), 'utf8').startsWith('opened ');
    } catch {
      return false;
    }
  })();
  const problems = report ? reportProblems(report) : ['no shutdown report'];
  if (!fileOk) problems.push('diagnostic file missing or empty');
  if (conns.length !== 1) problems.push(`${conns.length} connections from the engine`);
  rmSync(dataDir, { recursive: true, force: true });

  return {
    cycle,
    signal,
    startMs: Math.round(startMs * 10) / 10,
    quitMs: exit ? Math.round((exit.at - sentAt) * 10) / 10 : null,
    reportMs: report?.ms ?? null,
    engineMs: report?.engine?.ms ?? null,
    exitCode: exit?.code ?? null,
    exitSignal: exit?.signal ?? null,
    clean: report?.clean === true,
    trigger: report?.trigger ?? null,
    problems,
    handlesAfter: report?.engine?.activeHandlesAfter ?? [],
    fin: conn?.finAt !== undefined && conn.error === undefined,
    finBeforeExit: conn?.finAt !== undefined && exit !== undefined && conn.finAt < exit.at,
    reset: conn?.error !== undefined,
    portsRebound: rebound,
    hung,
    treeSize: tree.length,
    leftovers,
  };
}

interface AirtightRun {
  signal: QuitSignal;
  samples: AirtightSample[];
  startFailures: string[];
  stoppedEarly?: string;
}

async function runAirtight(peer: FinCounter, signal: QuitSignal, cycles: number, firstCycle: number, deadlineAt: number, log: (l: string) => void): Promise<AirtightRun> {
  const run: AirtightRun = { signal, samples: [], startFailures: [] };
  let consecutive = 0;
  for (let i = 0; i < cycles; i++) {
    if (performance.now() > deadlineAt) {
      run.stoppedEarly = `time budget reached after ${i} cycles`;
      break;
    }
    const sample = await airtightCycle(peer, firstCycle + i, signal);
    if ('startFailed' in sample) {
      run.startFailures.push(`cycle ${i}: ${sample.startFailed}`);
      log(`  ${signal} cycle ${i}: Airtight failed to start: ${sample.startFailed}`);
      if (++consecutive >= 3) {
        run.stoppedEarly = '3 starts failed in a row';
        break;
      }
      continue;
    }
    consecutive = 0;
    run.samples.push(sample);
    if (sample.leftovers.length > 0) log(`  ${signal} cycle ${i}: ${sample.leftovers.length} process(es) left: ${JSON.stringify(sample.leftovers)}`);
    if (!sample.clean || sample.hung) log(`  ${signal} cycle ${i}: ${sample.hung ? 'HUNG; ' : ''}not clean: ${sample.problems.join('; ')}`);
    if ((i + 1) % 25 === 0) log(`  ${signal}: ${i + 1}/${cycles} cycles`);
  }
  return run;
}

function airtightRows(run: AirtightRun): { quit: Summary; report: Summary; rows: string[][] } {
  const s = run.samples;
  const quit = summarize(s.flatMap((x) => (x.quitMs === null ? [] : [x.quitMs])));
  const report = summarize(s.flatMap((x) => (x.reportMs === null ? [] : [x.reportMs])));
  const engine = summarize(s.flatMap((x) => (x.engineMs === null ? [] : [x.engineMs])));
  const clean = `${s.filter((x) => x.clean && x.trigger === run.signal).length}/${s.length}`;
  const left = String(s.reduce((n, x) => n + x.leftovers.length, 0));
  const row = (label: string, sum: Summary, extra: string[]): string[] => [label, String(sum.n), fmt(sum.p50), fmt(sum.p99), fmt(sum.max), ...extra];
  return {
    quit,
    report,
    rows: [
      row(`Airtight ${run.signal}: signal -> host exit`, quit, [clean, left]),
      row(`Airtight ${run.signal}: report ms`, report, ['', '']),
      row(`Airtight ${run.signal}: engine's own ms`, engine, ['', '']),
    ],
  };
}

function buttRows(butt: ButtResult): { client: Summary; raw: Summary; rows: string[][] } {
  const pick = (m: 'client' | 'raw'): Summary =>
    summarize(butt.samples.filter((x) => x.method === m && x.quitMs !== null).map((x) => x.quitMs!));
  const exitedOk = (m: 'client' | 'raw'): string => {
    const of = butt.samples.filter((x) => x.method === m);
    return `${of.filter((x) => !x.hung && x.exitCode === 0 && !x.error).length}/${of.length}`;
  };
  const left = (m: 'client' | 'raw'): string =>
    String(butt.samples.filter((x) => x.method === m).reduce((n, x) => n + x.leftovers.length, 0));
  const client = pick('client');
  const raw = pick('raw');
  const row = (label: string, sum: Summary, m: 'client' | 'raw'): string[] => [label, String(sum.n), fmt(sum.p50), fmt(sum.p99), fmt(sum.max), exitedOk(m), left(m)];
  return {
    client,
    raw,
    rows: [
      row(`BUTT ${butt.version}: butt -q -> exit`, client, 'client'),
      row(`BUTT ${butt.version}: command 7 -> exit`, raw, 'raw'),
    ],
  };
}

export async function run(log: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const began = performance.now();
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  const maxMinutes = intEnv('BENCH_MAX_MINUTES', 20);
  const deadlineAt = began + maxMinutes * 60_000;
  const cycles = intEnv('BENCH_QUIT_CYCLES', 100);
  const sigintCycles = intEnv('BENCH_QUIT_SIGINT_CYCLES', 20);
  const buttCycles = intEnv('BENCH_BUTT_CYCLES', 20);
  const withButt = process.env.BENCH_BUTT !== '0';
  log(`quit times: ${cycles} SIGTERM + ${sigintCycles} SIGINT cycles of ${LAUNCH.replace(ROOT + '/', '')} --headless${withButt ? `, BUTT peer ${buttCycles}+${buttCycles} cycles` : ''}`);

  // Multicast on loopback: check it works here before relying on it.
  const mcast = createSocket({ type: 'udp4', reuseAddr: false });
  let multicast = 'joined on 127.0.0.1';
  try {
    mcast.bind(0);
    await once(mcast, 'listening');
    mcast.addMembership(MULTICAST_GROUP, '127.0.0.1');
  } catch (error) {
    multicast = `join on 127.0.0.1 failed: ${String(error)}`;
  } finally {
    mcast.close();
  }
  log(`  multicast ${MULTICAST_GROUP}: ${multicast}`);

  const peer = new FinCounter();
  await peer.start();
  let sigterm: AirtightRun;
  let sigint: AirtightRun;
  let warmup: AirtightSample | { startFailed: string };
  try {
    // Warm-up (not counted): first start pays for cold file caches.
    warmup = await airtightCycle(peer, -1, 'SIGTERM');
    if ('startFailed' in warmup) log(`  warm-up: Airtight failed to start: ${warmup.startFailed}`);
    sigterm = await runAirtight(peer, 'SIGTERM', cycles, 0, deadlineAt, log);
    sigint = await runAirtight(peer, 'SIGINT', sigintCycles, 10_000, deadlineAt, log);
  } finally {
    await peer.stop();
  }
  const airtightSeconds = (performance.now() - began) / 1000;

  const buttBegan = performance.now();
  let butt: ButtResult;
  if (withButt) {
    log('  BUTT peer ...');
    try {
      butt = await runButtPeer({ cycles: buttCycles, deadlineAt: Math.max(deadlineAt, performance.now() + 5 * 60_000), log });
    } catch (error) {
      butt = { ran: false, why: `bench error: ${String(error)}`, samples: [], startFailures: 0, notes: [] };
    }
  } else butt = { ran: false, why: 'skipped (BENCH_BUTT=0)', samples: [], startFailures: 0, notes: [] };
  const buttSeconds = (performance.now() - buttBegan) / 1000;

  // ----- table -----
  const header = ['quit time (ms)', 'n', 'p50', 'p99', 'max', 'clean', 'left'];
  const a = airtightRows(sigterm);
  const b = airtightRows(sigint);
  const rows = [header, ...a.rows, ...b.rows];
  let buttSummary: ReturnType<typeof buttRows> | undefined;
  if (butt.ran) {
    buttSummary = buttRows(butt);
    rows.push(...buttSummary.rows);
  }
  const all = [...sigterm.samples, ...sigint.samples];
  const lines: string[] = ['', formatTable(rows)];
  const finCount = all.filter((x) => x.fin).length;
  lines.push(
    `FINs received ${finCount}/${all.length} (before host exit ${all.filter((x) => x.finBeforeExit).length}, resets ${all.filter((x) => x.reset).length}); ` +
      `ports rebound at once ${all.filter((x) => x.portsRebound).length}/${all.length}; hung ${all.filter((x) => x.hung).length}; ` +
      `exit code 0 ${all.filter((x) => x.exitCode === 0).length}/${all.length}`,
  );
  lines.push(
    `Airtight start to resources open: p50 ${fmt(summarize(all.map((x) => x.startMs)).p50)} ms; process tree at quit: ${[...new Set(all.map((x) => x.treeSize))].join('/')} processes; start failures ${sigterm.startFailures.length + sigint.startFailures.length}`,
  );
  const withHandles = all.filter((x) => x.handlesAfter.length > 0);
  const handleNames = [...new Set(withHandles.flatMap((x) => x.handlesAfter))].join(', ');
  lines.push(`engine report's activeHandlesAfter non-empty in ${withHandles.length}/${all.length} cycles${handleNames ? ` (${handleNames})` : ''}`);
  let ratio: { client: number | null; raw: number | null } | undefined;
  if (buttSummary) {
    const r = (x: number | null, y: number | null): number | null => (x !== null && y !== null && y > 0 ? Math.round((x / y) * 100) / 100 : null);
    ratio = { client: r(a.quit.p50, buttSummary.client.p50), raw: r(a.quit.p50, buttSummary.raw.p50) };
    const inverse = (x: number | null): string => (x ? (1 / x).toFixed(1) : '-');
    const clientMs = summarize(butt.samples.flatMap((x) => (x.clientMs !== undefined && x.clientMs >= 0 ? [x.clientMs] : []))).p50;
    lines.push(
      `ratio of medians, Airtight SIGTERM / BUTT: ${fmt(ratio.client, 2)} vs butt -q (BUTT ${inverse(ratio.client)}x longer), ` +
        `${fmt(ratio.raw, 2)} vs command 7 (${inverse(ratio.raw)}x); butt -q client itself p50 ${fmt(clientMs)} ms; BUTT starts failed ${butt.startFailures}`,
    );
  } else lines.push(`BUTT peer not run: ${butt.why}`);
  lines.push(`p99 is nearest-rank: the 99th of 100 sorted samples; for n < 100 it is the max. Settle before quitting: Airtight ${SETTLE_MS} ms, BUTT ${butt.settleMs ?? '-'} ms.`);
  for (const note of butt.notes) lines.push(`note: ${note}`);
  for (const r of [sigterm, sigint]) if (r.stoppedEarly) lines.push(`note: ${r.signal} cycles stopped early: ${r.stoppedEarly}`);
  const totalSeconds = (performance.now() - began) / 1000;
  lines.push(`took ${totalSeconds.toFixed(0)} s (Airtight ${airtightSeconds.toFixed(0)} s, BUTT ${buttSeconds.toFixed(0)} s); load average before ${loadBefore.join(' ')}`);
  for (const line of lines) log(line);

  // ----- JSON -----
  const leftoverCycles = [...all, ...(warmup && !('startFailed' in warmup) ? [warmup] : [])].filter((x) => x.leftovers.length > 0);
  const buttLeftovers = butt.samples.filter((x) => x.leftovers.length > 0);
  const startFailed = sigterm.startFailures.length + sigint.startFailures.length + ('startFailed' in warmup ? 1 : 0);
  const resultsDir = join(__dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(resultsDir, `quit-times-${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        benchmark: 'quit-times',
        at: new Date().toISOString(),
        machine: { node: process.version, kernel: release(), cpus: cpus().length, cpu: cpus()[0]?.model, loadavgBefore: loadBefore, loadavgAfter: loadavg().map((x) => Math.round(x * 100) / 100) },
        config: { cycles, sigintCycles, buttCycles, settleMs: SETTLE_MS, buttSettleMs: butt.settleMs, quitTimeoutMs: QUIT_TIMEOUT_MS, multicast: `${MULTICAST_GROUP} ${multicast}` },
        seconds: { total: totalSeconds, airtight: airtightSeconds, butt: buttSeconds },
        airtight: {
          SIGTERM: { quit: a.quit, report: a.report, startFailures: sigterm.startFailures, stoppedEarly: sigterm.stoppedEarly },
          SIGINT: { quit: b.quit, report: b.report, startFailures: sigint.startFailures, stoppedEarly: sigint.stoppedEarly },
          cleanReports: all.filter((x) => x.clean).length,
          cycles: all.length,
          leftoverProcesses: leftoverCycles.reduce((n, x) => n + x.leftovers.length, 0),
          finsReceived: finCount,
          samples: all,
        },
        butt: {
          ran: butt.ran,
          why: butt.why,
          version: butt.version,
          rig: butt.rig,
          client: buttSummary?.client,
          raw: buttSummary?.raw,
          ratioOfMedians: ratio,
          startFailures: butt.startFailures,
          notes: butt.notes,
          samples: butt.samples,
        },
      },
      null,
      2,
    ) + '\n',
  );
  log(`results: ${file.replace(ROOT + '/', '')}`);

  if (startFailed > 0) log(`FAILED: Airtight failed to start ${startFailed} time(s)`);
  if (leftoverCycles.length > 0) log(`FAILED: ${leftoverCycles.length} Airtight cycle(s) left processes behind`);
  if (buttLeftovers.length > 0) log(`FAILED: ${buttLeftovers.length} BUTT cycle(s) left processes behind`);
  return startFailed > 0 || leftoverCycles.length > 0 || buttLeftovers.length > 0 ? 1 : 0;
}

if (require.main === module) {
  run().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(2);
    },
  );
}
