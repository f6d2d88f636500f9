/**
 * AES67 pacing benchmark (not a test): lateness p50/p99/max and CPU of the native pacing
 * thread (with and without real-time priority) and of the JavaScript pacer, measured in the
 * same run, with the engine's main thread idle and loaded (busy loop in 50 ms slices).
 * Multicast goes out through loopback only (interface 127.0.0.1), so nothing reaches a real
 * network.
 *   tsx bench/aes67-pacing.ts [seconds=60] [variants=native-rt,native,javascript]
 *
 * Lateness is recorded by the pacer itself at the send call against the packet's absolute
 * deadline (pacer-stats). Cross-check: tshark captures the stream on lo and the same
 * lateness is computed from the kernel's capture timestamps (CLOCK_REALTIME): each packet's
 * deadline on the monotonic clock (from the media clock mapping, as the pacers compute it)
 * plus the realtime - monotonic offset read through the addon (or, without it, from
 * performance.timeOrigin, good to about a millisecond).
 * CPU: utime+stime of the pacing thread from /proc/self/task/<tid>/stat; with the native
 * pacer also of the worker that produces the payloads ("sender CPU" = both).
 * Goal (issue 5): p99 <= 0.5 ms idle, <= 1 ms loaded, at <= 10 % of one core.
 */
import { readFileSync, mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir, loadavg } from 'node:os';
import { Aes67Sender } from '../main/engine/aes67/sender';
import { FreeRunClock, ClockMappingReader } from '../main/engine/aes67/media-clock';
import { loadRtpPacer } from '../native/rtp-pacer';
import { Aes67SenderSettingsSchema } from '../main/engine/aes67/aes67-settings';

const TICKS_PER_S = 100; // USER_HZ on Linux
const VARIANTS = {
  'native-rt': { kind: 'native', realtimePriority: 20 },
  native: { kind: 'native', realtimePriority: 0 },
  javascript: { kind: 'javascript', realtimePriority: 0 },
} as const;
type Variant = keyof typeof VARIANTS;

function threadCpuS(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S; // utime + stime
}

function realtimeNowNs(): bigint {
  const addon = loadRtpPacer();
  if ('addon' in addon) return addon.addon.realtimeNs();
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6));
}

/** CLOCK_REALTIME - CLOCK_MONOTONIC, ns (the closest of a few adjacent reads). */
function wallMinusMonotonic(): bigint {
  let best: { span: bigint; offset: bigint } | null = null;
  for (let i = 0; i < 20; i++) {
    const a = process.hrtime.bigint();
    const wall = realtimeNowNs();
    const b = process.hrtime.bigint();
    if (!best || b - a < best.span) best = { span: b - a, offset: wall - (a + b) / 2n };
  }
  return best!.offset;
}

interface ModeResult {
  variant: Variant;
  pacer: string;
  mode: 'idle' | 'loaded';
  seconds: number;
  packets: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  late1ms: number;
  resyncs: number;
  underruns: number;
  /** CPU of the thread that paces, % of one core. */
  pacerCpuPercent: number;
  /** Pacing thread + payload producer (the worker), % of one core. */
  senderCpuPercent: number;
  capture: { packets: number; p50Ms: number; p99Ms: number; maxMs: number } | { error: string };
  loadAvg1: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function startCapture(port: number, file: string): Promise<ChildProcess | string> {
  let child: ChildProcess;
  try {
    child = spawn('tshark', ['-q', '-i', 'lo', '-f', `udp dst port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    return String(error);
  }
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
  for (let i = 0; i < 100 && !text.includes('Capturing on') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  if (!text.includes('Capturing on')) {
    child.kill('SIGKILL');
    return `tshark did not start: ${text.trim()}`;
  }
  return child;
}

async function stopCapture(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Lateness from capture timestamps: wall time of each packet minus its deadline in wall time. */
function captureLateness(
  file: string,
  port: number,
  origin: { firstTimestamp: number; firstSample: number },
  mapping: SharedArrayBuffer,
  wallOffset: bigint,
  from: bigint,
  to: bigint,
): ModeResult['capture'] {
  let out: string;
  try {
    out = execFileSync('tshark', ['-r', file, '-d', `udp.port==${port},rtp`, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'rtp.timestamp'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 120_000,
    });
  } catch (error) {
    return { error: String(error) };
  }
  const N = 48;
  const late: number[] = [];
  const clock = new ClockMappingReader(mapping);
  for (const line of out.split('\n')) {
    const [epoch, ts] = line.split('\t');
    if (!epoch || !ts) continue;
    const [s, frac = '0'] = epoch.split('.');
    const at = BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
    if (at < from || at > to) continue;
    const k = ((Number(ts) - origin.firstTimestamp + 2 ** 32) % 2 ** 32) / N;
    const dueSample = BigInt(origin.firstSample + (k + 1) * N);
    const dueWall = clock.localAt((dueSample * 1_000_000_000n) / 48_000n) + wallOffset;
    late.push(Number(at - dueWall) / 1e6);
  }
  late.sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { packets: late.length, p50Ms: r(percentile(late, 0.5)), p99Ms: r(percentile(late, 0.99)), maxMs: r(late[late.length - 1] ?? NaN) };
}

async function measure(variant: Variant, mode: 'idle' | 'loaded', seconds: number, port: number, dir: string): Promise<ModeResult> {
  const settings = Aes67SenderSettingsSchema.parse({ interface: '127.0.0.1', sap: false, streamName: 'bench', port });
  const pcap = join(dir, `${variant}-${mode}.pcapng`);
  const capture = await startCapture(port, pcap);
  const v = VARIANTS[variant];
  const mediaClock = new FreeRunClock();
  const sender = await Aes67Sender.start({
    settings,
    clock: mediaClock,
    inputRate: 48_000,
    bufferMs: 100,
    pacer: { kind: v.kind, realtimePriority: v.realtimePriority },
  });
  if ('error' in sender) {
    if (typeof capture !== 'string') await stopCapture(capture);
    throw new Error(sender.error.message + ' ' + (sender.error.detail ?? ''));
  }
  const status0 = sender.status();
  const pacerTid = status0.pacerTid;
  const workerTid = status0.workerTid;
  const inUse = status0.pacerInUse;
  const pacer = inUse.kind === 'native' ? `native (real-time ${inUse.realtime?.granted ? 'granted' : 'not used'})` : 'javascript';
  const channels = settings.channels;
  let produced = 0;
  const t0 = process.hrtime.bigint();
  const feed = (): void => {
    const due = Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * 48_000);
    if (due > produced) {
      sender.push(new Float32Array((due - produced) * channels).fill(0.1));
      produced = due;
    }
  };
  const feeder = setInterval(feed, 10);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  sender.resetLateness();
  const before = sender.status().pacer;
  const cpu = (): number[] => [pacerTid ? threadCpuS(pacerTid) : NaN, workerTid && workerTid !== pacerTid ? threadCpuS(workerTid) : 0];
  const cpu0 = cpu();
  const wallFrom = realtimeNowNs();
  const wallOffset = wallMinusMonotonic();
  const start = performance.now();
  const end = start + seconds * 1000;
  if (mode === 'loaded') {
    // The host's main thread busy in 50 ms slices, yielding briefly between them.
    while (performance.now() < end) {
      const sliceEnd = Math.min(end, performance.now() + 50);
      while (performance.now() < sliceEnd);
      feed();
      await new Promise((r) => setImmediate(r));
    }
  } else {
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }
  const elapsed = (performance.now() - start) / 1000;
  const wallTo = realtimeNowNs();
  const cpu1 = cpu();
  const status = sender.status();
  const load = loadavg()[0]!;
  clearInterval(feeder);
  await sender.stop();
  let captured: ModeResult['capture'];
  if (typeof capture === 'string') captured = { error: capture };
  else {
    await stopCapture(capture);
    captured = captureLateness(pcap, port, sender.origin, mediaClock.mapping, wallOffset, wallFrom, wallTo);
  }
  const pct = (s: number): number => Math.round((s / elapsed) * 1000) / 10;
  return {
    variant,
    pacer,
    mode,
    seconds: Math.round(elapsed),
    packets: status.pacer.packetsSent - before.packetsSent,
    p50Ms: status.lateness.p50Ms,
    p99Ms: status.lateness.p99Ms,
    maxMs: Math.round(status.lateness.maxMs * 1000) / 1000,
    late1ms: status.pacer.late1ms - before.late1ms,
    resyncs: status.pacer.resyncs - before.resyncs,
    underruns: status.pacer.underruns - before.underruns,
    pacerCpuPercent: pct(cpu1[0]! - cpu0[0]!),
    senderCpuPercent: pct(cpu1[0]! - cpu0[0]! + (cpu1[1]! - cpu0[1]!)),
    capture: captured,
    loadAvg1: Math.round(load * 100) / 100,
  };
}

export async function run(log: (line: string) => void = console.log): Promise<number> {
  const seconds = Number(process.argv[2] ?? 60) || 60;
  const variants = (process.argv[3] ?? 'native-rt,native,javascript').split(',').filter((v): v is Variant => v in VARIANTS);
  const dir = mkdtempSync(join(tmpdir(), 'aes67-pacing-'));
  const results: ModeResult[] = [];
  log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${process.env.HOSTNAME ?? 'this host'}, shared)`);
  try {
    let port = 15004;
    for (const mode of ['idle', 'loaded'] as const) {
      for (const variant of variants) {
        const r = await measure(variant, mode, seconds, port++, dir);
        results.push(r);
        const c = 'error' in r.capture ? `capture: ${r.capture.error}` : `capture p50 ${r.capture.p50Ms} p99 ${r.capture.p99Ms} max ${r.capture.maxMs} ms (${r.capture.packets} pkts)`;
        log(
          `${mode.padEnd(6)} ${r.pacer.padEnd(28)}: p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, max ${r.maxMs} ms, late>1ms ${r.late1ms}/${r.packets}, ` +
            `resyncs ${r.resyncs}, underruns ${r.underruns}, pacer CPU ${r.pacerCpuPercent} %, sender CPU ${r.senderCpuPercent} % of a core; ${c}; load ${r.loadAvg1}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const variant of variants) {
    const idle = results.find((r) => r.variant === variant && r.mode === 'idle');
    const loaded = results.find((r) => r.variant === variant && r.mode === 'loaded');
    if (!idle || !loaded) continue;
    const cpu = Math.max(idle.senderCpuPercent, loaded.senderCpuPercent);
    const met = idle.p99Ms <= 0.5 && loaded.p99Ms <= 1 && cpu <= 10;
    log(`goal ${variant}: p99 idle ${idle.p99Ms} (<= 0.5), loaded ${loaded.p99Ms} (<= 1) ms, sender CPU <= ${cpu} % (<= 10): ${met ? 'MET' : 'NOT met'}`);
  }
  const out = join(__dirname, 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `aes67-pacing-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, loadAvgEnd: loadavg(), results }, null, 2));
  log(`written ${file}`);
  return 0;
}

if (require.main === module) void run().then((code) => process.exit(code));
