/**
 * AES67 pacing benchmark (not a test): lateness p50/p99/max of the pacer thread and its CPU,
 * with the engine's main thread idle and loaded (busy loop in 50 ms slices). Multicast goes
 * out through loopback only (interface 127.0.0.1), so nothing reaches a real network.
 *   tsx bench/aes67-pacing.ts [seconds=60] [spinUs list=0,100]
 * Goal (issue 5): p99 <= 0.5 ms idle, <= 1 ms loaded, at <= 10 % of one core.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aes67Sender } from '../main/engine/aes67/sender';
import { FreeRunClock } from '../main/engine/aes67/media-clock';
import { Aes67SenderSettingsSchema } from '../main/engine/aes67/aes67-settings';

const TICKS_PER_S = 100; // USER_HZ on Linux

function threadCpuS(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S; // utime + stime
}

interface ModeResult {
  mode: string;
  spinUs: number;
  seconds: number;
  packets: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  late1ms: number;
  resyncs: number;
  underruns: number;
  cpuPercentOfCore: number;
}

async function measure(mode: 'idle' | 'loaded', seconds: number, spinUs: number): Promise<ModeResult> {
  const settings = Aes67SenderSettingsSchema.parse({ interface: '127.0.0.1', sap: false, streamName: 'bench' });
  const sender = await Aes67Sender.start({ settings, clock: new FreeRunClock(), inputRate: 48_000, bufferMs: 100, pacer: { spinUs } });
  if ('error' in sender) throw new Error(sender.error.message + ' ' + (sender.error.detail ?? ''));
  const tid = sender.status().pacerTid;
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
  const cpu0 = tid ? threadCpuS(tid) : NaN;
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
  const cpu = tid ? threadCpuS(tid) - cpu0 : NaN;
  const status = sender.status();
  clearInterval(feeder);
  await sender.stop();
  return {
    mode,
    spinUs,
    seconds: Math.round(elapsed),
    packets: status.pacer.packetsSent - before.packetsSent,
    p50Ms: status.lateness.p50Ms,
    p99Ms: status.lateness.p99Ms,
    maxMs: Math.round(status.lateness.maxMs * 100) / 100,
    late1ms: status.pacer.late1ms - before.late1ms,
    resyncs: status.pacer.resyncs - before.resyncs,
    underruns: status.pacer.underruns - before.underruns,
    cpuPercentOfCore: Math.round((cpu / elapsed) * 1000) / 10,
  };
}

export async function run(log: (line: string) => void = console.log): Promise<number> {
  const seconds = Number(process.argv[2] ?? 60) || 60;
  const spins = (process.argv[3] ?? '0,100').split(',').map(Number);
  const results: ModeResult[] = [];
  for (const spinUs of spins) {
    for (const mode of ['idle', 'loaded'] as const) {
      const r = await measure(mode, seconds, spinUs);
      results.push(r);
      log(
        `${mode.padEnd(6)} spin ${String(spinUs).padStart(3)} µs: p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, max ${r.maxMs} ms, ` +
          `late>1ms ${r.late1ms}/${r.packets}, resyncs ${r.resyncs}, underruns ${r.underruns}, pacer CPU ${r.cpuPercentOfCore} % of a core`,
      );
    }
  }
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `aes67-pacing-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, results }, null, 2));
  log(`written ${file}`);
  return 0;
}

if (require.main === module) void run().then((code) => process.exit(code));
