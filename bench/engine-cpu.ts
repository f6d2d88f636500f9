/**
 * Engine CPU benchmark: what the job "capture 44.1 kHz stereo + MP3 128 kbps stream encode +
 * MP3 192 kbps recording" costs the real built Airtight engine, and what it costs BUTT 0.1.37,
 * in the same run, each for BENCH_ENGINE_SECONDS (60) after it settled.
 *
 * Airtight: `out/main/engine.js` forked through EngineSupervisor + forkEngine (as the host does)
 * with AIRTIGHT_ENGINE_DIAGNOSTICS=1, capturing the default device of an isolated PulseAudio fed
 * a 997 Hz tone at -12 dBFS (test/helpers/pulse-rig.ts). `audio.configure` (device, 44.1 kHz,
 * record MP3 at its default 192 kbps), `diagnostics.open` with an MP3 128 kbps stream encoder
 * (the stream path encodes; its output is counted and dropped inside the engine: there is no
 * network sender yet), then, once the tone reaches the meters, `recorder.start`.
 * BUTT: the same kind of rig (a second instance), Xvfb, a local Icecast 2.4 it streams to, and
 * its recorder, all started from its config (connect_at_startup, rec_after_launch).
 *
 * Measured over the window, sampled every second (bench/lib/proc-sampler.ts):
 *   CPU  = utime+stime of the process and all its descendants (Airtight: the engine and its
 *          naudiodon capture helper process), % of one core: median and max of the 1 s
 *          samples, and the mean over the whole window;
 *   RSS  = VmRSS summed over the tree, median and max (PSS beside it: shared pages split);
 *   real time = Airtight: recorded frames / (44100 x wall seconds), from the recorder's counter
 *          over the window and from recorder.stop's summary; BUTT: Icecast listener bytes and
 *          the recording file's growth against 128 and 192 kbps.
 * The sound server (PulseAudio) and the tone player are outside both trees; the server's own
 * CPU in each window is printed, since a capture client's buffering changes what it costs.
 * Where Airtight's time goes: per thread (/proc/<pid>/task/<tid>/stat), each thread labelled by
 * the step after which it first appeared (Node names nearly all its threads "node").
 *
 * A benchmark, not a test: no thresholds (the goal, Airtight at or below BUTT's CPU, is printed
 * beside the ratio). Exit code 1 only when a side fails to start or a process is left behind.
 * Knobs: BENCH_ENGINE_SECONDS (60), BENCH_ENGINE_SETTLE_S (3), BENCH_BUTT=0 skips BUTT,
 * BENCH_ENGINE_CPU_PROF=1 adds V8 CPU profiles of the engine's threads (top functions printed).
 * Run alone: `npx tsx bench/engine-cpu.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineSupervisor } from '../main/engine-host/engine-supervisor';
import { forkEngine } from '../main/engine-host/engine-process';
import type { EngineResult } from '../main/protocol/engine-protocol';
import { AudioSettingsSchema } from '../main/settings/audio-settings-schema';
import { pulseRigUnavailable, startPulseRig, type PulseRig } from '../test/helpers/pulse-rig';
import { ensureInstalled, startXvfb, stopChild } from './lib/butt-peer';
import { startButtJob, type RunningButt } from './lib/butt-job';
import { startIcecast, type Icecast, type Listener } from './lib/icecast-peer';
import { summarizeProfiles } from './lib/cpu-profile';
import { CLOCK_TICKS, TreeSampler, machineBusy, processTicks, type TreeMeasurement } from './lib/proc-sampler';
import { TAG_VAR, killLeftovers, sleep, taggedProcesses, waitFor, type Leftover } from './lib/procs';
import { fmt, formatTable, summarize } from './lib/stats';

const ROOT = join(__dirname, '..');
const ENGINE_ENTRY = join(ROOT, 'out', 'main', 'engine.js');
const SAMPLE_RATE = 44100;
const STREAM_KBPS = 128;
const RECORD_KBPS = 192;
const TONE = { frequency: 997, peakDbfs: -12 };

function numberEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? '');
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
const WINDOW_SECONDS = numberEnv('BENCH_ENGINE_SECONDS', 60);
const SETTLE_SECONDS = numberEnv('BENCH_ENGINE_SETTLE_S', 3);

/** One side's figures, the same shape for Airtight and BUTT. */
interface SideResult {
  name: string;
  ran: boolean;
  /** Why the side did not start (counts as a failure). */
  startFailure?: string;
  cpu?: { medianPercent: number | null; maxPercent: number | null; windowPercent: number };
  rssMb?: { median: number | null; max: number | null };
  pssMb?: { median: number | null; max: number | null };
  /** Real-time ratios: 1.0 = the job ran at exactly real time. */
  realTime: Record<string, number | null>;
  soundServerCpuPercent?: number;
  machineBusyPercent?: number;
  measurement?: TreeMeasurement;
  /** Airtight: the per-thread CPU in a few buckets, % of one core. */
  cpuBuckets?: Record<string, number>;
  recording?: { path: string; probe?: ProbeResult };
  leftovers: Leftover[];
  notes: string[];
}

interface ProbeResult {
  codec?: string;
  sampleRate?: number;
  channels?: number;
  bitRate?: number;
  durationSeconds?: number;
  error?: string;
}

function ffprobe(path: string): ProbeResult {
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration,bit_rate:stream=codec_name,sample_rate,channels', '-of', 'json', path], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (out.status !== 0) return { error: (out.stderr || String(out.error ?? 'ffprobe failed')).trim().slice(0, 300) };
  try {
    const json = JSON.parse(out.stdout) as { streams?: { codec_name?: string; sample_rate?: string; channels?: number }[]; format?: { duration?: string; bit_rate?: string } };
    const s = json.streams?.[0];
    return {
      codec: s?.codec_name,
      sampleRate: s?.sample_rate ? Number(s.sample_rate) : undefined,
      channels: s?.channels,
      bitRate: json.format?.bit_rate ? Number(json.format.bit_rate) : undefined,
      durationSeconds: json.format?.duration ? Number(json.format.duration) : undefined,
    };
  } catch (error) {
    return { error: String(error) };
  }
}

const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

function summarizeMeasurement(m: TreeMeasurement): Pick<SideResult, 'cpu' | 'rssMb' | 'pssMb'> {
  const cpu = summarize(m.samples.map((s) => s.cpuPercent));
  const rss = summarize(m.samples.map((s) => s.rssKb / 1024));
  const pss = summarize(m.samples.map((s) => s.pssKb / 1024));
  return {
    cpu: { medianPercent: cpu.p50, maxPercent: cpu.max, windowPercent: round(m.cpuPercent, 2) },
    rssMb: { median: rss.p50, max: rss.max },
    pssMb: { median: pss.p50, max: pss.max },
  };
}

/** Newest mtime of the sources the engine is built from, to tell a stale build. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js|json)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of dirs) if (existsSync(dir)) walk(dir);
  return newest;
}

/** Builds out/ with electron-vite when engine.js is missing or older than its sources. */
function ensureBuilt(log: (line: string) => void): string | undefined {
  const built = existsSync(ENGINE_ENTRY) ? statSync(ENGINE_ENTRY).mtimeMs : 0;
  if (built >= newestSource([join(ROOT, 'main'), join(ROOT, 'native')])) return undefined;
  log(`  ${built === 0 ? 'no' : 'stale'} out/main/engine.js: npx electron-vite build ...`);
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0 || !existsSync(ENGINE_ENTRY)) return `electron-vite build failed: ${(result.stderr || result.stdout || '').trim().slice(-500)}`;
  return undefined;
}

// ---------------------------------------------------------------- Airtight

async function runAirtight(log: (line: string) => void, profileDir?: string): Promise<SideResult> {
  const side: SideResult = { name: 'Airtight engine', ran: false, realTime: {}, leftovers: [], notes: [] };
  const tag = `${process.pid}-engine-cpu-airtight`;
  const folder = mkdtempSync(join(tmpdir(), 'airtight-bench-cpu-rec-'));
  let rig: PulseRig | undefined;
  let engine: EngineSupervisor | undefined;
  try {
    rig = await startPulseRig({ sampleRate: SAMPLE_RATE, tone: TONE });
    engine = new EngineSupervisor({
      // With a profile dir: V8 CPU profiles of the engine's threads (main and workers), written at exit.
      launcher: profileDir ? (options) => forkEngine({ ...options, execArgv: ['--cpu-prof', '--cpu-prof-dir', profileDir] }) : forkEngine,
      entry: ENGINE_ENTRY,
      env: { ...process.env, ...rig.env, AIRTIGHT_ENGINE_DIAGNOSTICS: '1', [TAG_VAR]: tag },
    });
    const e = engine;
    let meter = { frames: 0, peakDb: -Infinity, at: 0 };
    e.onEvent((event, data) => {
      if (event === 'audio.meters') {
        const input = (data as { input: { frames: number; channels: { peakDb: number }[] } }).input;
        meter = { frames: input.frames, peakDb: Math.max(...input.channels.map((c) => c.peakDb)), at: performance.now() };
      } else if (event === 'engine.log') {
        const d = data as { level: string; message: string };
        if (d.level === 'warn' || d.level === 'error') side.notes.push(`engine ${d.level}: ${d.message}`);
        if (/stream encoder running/.test(d.message)) side.notes.push(`engine: ${d.message}`);
      } else if (event === 'audio.source') {
        const d = data as { state: string; description: string };
        if (d.state !== 'running') side.notes.push(`audio.source ${d.state}: ${d.description}`);
      } else if (event === 'recorder.status') {
        const d = data as { state: string; error?: { message: string } };
        if (d.state === 'warning' || d.state === 'failed') side.notes.push(`recorder ${d.state}: ${d.error?.message ?? ''}`);
      }
    });
    await e.start();
    const sampler = new TreeSampler(e.pid!);
    sampler.noteNewThreads('engine start');

    const settings = AudioSettingsSchema.parse({
      input: { source: 'device', sampleRate: SAMPLE_RATE },
      record: { codec: 'mp3', folder, fileName: 'bench_%i' },
    });
    const recordKbps = settings.record.codecs.mp3.bitrateKbps;
    if (recordKbps !== RECORD_KBPS) side.notes.push(`record MP3 default is ${recordKbps} kbps, not ${RECORD_KBPS}`);
    const configured = await e.request('audio.configure', settings, 15_000);
    sampler.noteNewThreads('audio.configure (capture helper, processing)');
    if (!/device/.test(configured.source) || configured.warnings.length > 0) {
      throw new Error(`audio.configure did not open the device: source ${configured.source}; warnings ${configured.warnings.map((w) => w.message).join('; ')}`);
    }
    await e.request('diagnostics.open', { streamEncoder: { codec: 'mp3', mode: 'cbr', bitrateKbps: STREAM_KBPS, vbrQuality: 4 } }, 15_000);
    sampler.noteNewThreads('diagnostics.open (stream encoder)');
    // The rig's data starts 1-2 s after the open, then the sound server's backlog arrives in a
    // burst: wait (bounded) until the tone reaches the meters and 1 s of wall time brings 1 s of
    // audio, then start recording, so the recording's length can be held against wall time.
    const flowing = await waitFor(() => meter.frames > SAMPLE_RATE / 2 && meter.peakDb > TONE.peakDbfs - 3 && performance.now() - meter.at < 500, 15_000, 50);
    if (!flowing) throw new Error(`no capture data within 15 s (meters: ${meter.frames} frames, peak ${fmt(meter.peakDb)} dBFS)`);
    let steady = false;
    for (let i = 0; i < 15 && !steady; i++) {
      const from = { ...meter };
      await sleep(1000);
      const rate = (meter.frames - from.frames) / SAMPLE_RATE / ((meter.at - from.at) / 1000);
      steady = Math.abs(rate - 1) < 0.02;
    }
    if (!steady) side.notes.push('capture rate did not settle to real time within 15 s before recording');
    // Frames are counted from the request on (the reply waits for the record worker's start).
    const recordStartedAt = performance.now();
    const { path } = await e.request('recorder.start', {}, 15_000);
    side.notes.push(`recorder.start answered in ${fmt(performance.now() - recordStartedAt, 0)} ms`);
    sampler.noteNewThreads('recorder.start (record worker)');
    side.recording = { path };
    await sleep(SETTLE_SECONDS * 1000);
    sampler.noteNewThreads('settling');

    const before = await e.request('audio.status', {});
    const meterBefore = { ...meter };
    const pulseBefore = processTicks(rig.pulsePid());
    const busy = machineBusy();
    const windowBegan = performance.now();
    log(`  Airtight: engine pid ${e.pid}, tree ${sampler.pids().join(' ')}; measuring ${WINDOW_SECONDS} s ...`);
    const m = await sampler.measure(WINDOW_SECONDS, 1000);
    const windowSeconds = (performance.now() - windowBegan) / 1000;
    side.machineBusyPercent = round(busy(), 1);
    const pulseAfter = processTicks(rig.pulsePid());
    if (pulseBefore !== undefined && pulseAfter !== undefined) side.soundServerCpuPercent = round(((pulseAfter - pulseBefore) / CLOCK_TICKS / windowSeconds) * 100, 2);
    const after = await e.request('audio.status', {});
    const meterAfter = { ...meter };

    const stopSentAt = performance.now();
    const summary: EngineResult<'recorder.stop'> = await e.request('recorder.stop', {}, 15_000);
    side.ran = true;
    side.measurement = m;
    Object.assign(side, summarizeMeasurement(m));
    const perSecond = (frames: number, seconds: number): number | null => (seconds > 0 ? round(frames / (SAMPLE_RATE * seconds)) : null);
    side.realTime = {
      'recorder counter over the window': perSecond(after.recording.framesPosted - before.recording.framesPosted, windowSeconds),
      'recorder.stop frames / wall time from recorder.start to recorder.stop': perSecond(summary.frames, (stopSentAt - recordStartedAt) / 1000),
      'meters (capture) over the window': perSecond(meterAfter.frames - meterBefore.frames, (meterAfter.at - meterBefore.at) / 1000),
    };
    side.notes.push(
      `recording: ${summary.frames} frames (${fmt(summary.frames / SAMPLE_RATE, 2)} s of audio) in ${fmt((stopSentAt - recordStartedAt) / 1000, 2)} s wall, ` +
        `${summary.bytes} bytes, dropped ${summary.droppedFrames} frames${summary.error ? `, error ${summary.error.message}` : ''}; recorder dropped in the window ${after.recording.droppedFrames - before.recording.droppedFrames}`,
    );
    side.recording.probe = ffprobe(path);

    const report = await e.request('engine.shutdown', { reason: 'benchmark done', profile: 'normal', deadlineMs: 3000 }, 6000);
    if (!report.clean) side.notes.push(`engine shutdown not clean: ${JSON.stringify(report).slice(0, 400)}`);
    if (!(await e.waitForExit(5000))) side.notes.push('engine did not exit within 5 s of its shutdown reply');
  } catch (error) {
    if (!side.ran) side.startFailure = String(error instanceof Error ? error.message : JSON.stringify(error));
    else side.notes.push(`after the window: ${String(error instanceof Error ? error.message : JSON.stringify(error))}`);
  } finally {
    if (engine?.isRunning) {
      engine.kill('SIGKILL');
      await engine.waitForExit(3000);
    }
    // Anything of the engine's tree still there (found by its environment tag) was left behind.
    side.leftovers = await killLeftovers(taggedProcesses(tag));
    await rig?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
  return side;
}

// ---------------------------------------------------------------- BUTT

async function runButt(log: (line: string) => void): Promise<SideResult> {
  const side: SideResult = { name: 'BUTT', ran: false, realTime: {}, leftovers: [], notes: [] };
  const version = spawnSync('butt', ['-v'], { encoding: 'utf8', timeout: 5000 });
  side.name = `BUTT ${`${version.stdout}${version.stderr}`.match(/\d+\.\d+\.\d+/)?.[0] ?? '?'}`;
  const tag = `${process.pid}-engine-cpu-butt`;
  const dir = mkdtempSync(join(tmpdir(), 'airtight-bench-cpu-butt-'));
  const recordDir = join(dir, 'rec');
  mkdirSync(recordDir);
  let rig: PulseRig | undefined;
  let xvfb: Awaited<ReturnType<typeof startXvfb>> | undefined;
  let icecast: Icecast | string | undefined;
  let butt: RunningButt | string | undefined;
  let listener: Listener | undefined;
  const mount = '/bench.mp3';
  try {
    rig = await startPulseRig({ sampleRate: SAMPLE_RATE, tone: TONE });
    xvfb = await startXvfb(side.notes);
    if (typeof xvfb === 'string') throw new Error(xvfb);
    icecast = await startIcecast();
    if (typeof icecast === 'string') throw new Error(icecast);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', DISPLAY: xvfb.display, JACK_NO_START_SERVER: '1', ...rig.env };
    butt = await startButtJob(
      { sampleRate: SAMPLE_RATE, streamKbps: STREAM_KBPS, recordKbps: RECORD_KBPS, icecast: { port: icecast.port, password: icecast.sourcePassword, mount }, recordFolder: recordDir },
      dir,
      env,
      tag,
    );
    if (typeof butt === 'string') throw new Error(butt);
    const ice = icecast;
    const b = butt;
    // Connected = Icecast lists the mount; recording = a file appears in the folder (bounded).
    let mounted = false;
    const connectEnd = performance.now() + 20_000;
    while (!mounted && performance.now() < connectEnd && b.child.exitCode === null) {
      mounted = (await ice.mounts()).includes(mount);
      if (!mounted) await sleep(200);
    }
    if (!mounted) throw new Error(`BUTT did not connect to Icecast within 20 s; BUTT output: ${b.output().trim().slice(-300)}; icecast log: ${ice.errorLog().trim().split('\n').slice(-3).join(' | ')}`);
    listener = ice.listen(mount);
    const l = listener;
    if (!(await waitFor(() => l.bytes() > 0 || l.error() !== undefined, 10_000, 50)) || l.error()) throw new Error(`no bytes from the Icecast mount within 10 s (${l.error() ?? 'silent'})`);
    const recordFile = (): string | undefined => {
      const files = readdirSync(recordDir).filter((f) => f.endsWith('.mp3'));
      return files.length > 0 ? join(recordDir, files[0]!) : undefined;
    };
    if (!(await waitFor(() => recordFile() !== undefined, 10_000, 100))) throw new Error(`BUTT made no recording file in 10 s; output: ${b.output().trim().slice(-300)}`);
    const path = recordFile()!;
    side.recording = { path };
    await sleep(SETTLE_SECONDS * 1000);

    const sampler = new TreeSampler(b.pid);
    sampler.noteNewThreads('BUTT running');
    const bytesBefore = l.bytes();
    const sizeBefore = statSync(path).size;
    const pulseBefore = processTicks(rig.pulsePid());
    const busy = machineBusy();
    const windowBegan = performance.now();
    log(`  BUTT: pid ${b.pid}, streaming to Icecast :${ice.port}${mount} and recording ${path.replace(dir + '/', '')}; measuring ${WINDOW_SECONDS} s ...`);
    const m = await sampler.measure(WINDOW_SECONDS, 1000);
    const windowSeconds = (performance.now() - windowBegan) / 1000;
    side.machineBusyPercent = round(busy(), 1);
    const pulseAfter = processTicks(rig.pulsePid());
    if (pulseBefore !== undefined && pulseAfter !== undefined) side.soundServerCpuPercent = round(((pulseAfter - pulseBefore) / CLOCK_TICKS / windowSeconds) * 100, 2);
    const streamBytes = l.bytes() - bytesBefore;
    const recordBytes = statSync(path).size - sizeBefore;
    side.ran = true;
    side.measurement = m;
    Object.assign(side, summarizeMeasurement(m));
    side.realTime = {
      'Icecast listener bytes vs 128 kbps': round(streamBytes / windowSeconds / ((STREAM_KBPS * 1000) / 8)),
      'recording file growth vs 192 kbps': round(recordBytes / windowSeconds / ((RECORD_KBPS * 1000) / 8)),
    };
    side.notes.push(`stream: ${streamBytes} bytes in ${fmt(windowSeconds, 1)} s to a listener; recording grew ${recordBytes} bytes`);
    if (!l.ok()) side.notes.push(`listener error: ${l.error()}`);
    listener.close();
    listener = undefined;
    const quitByItself = await b.quit(10_000);
    if (!quitByItself) side.notes.push('BUTT did not quit within 10 s of command 7; SIGKILLed by pid');
    side.recording.probe = ffprobe(path);
  } catch (error) {
    if (!side.ran) side.startFailure = String(error instanceof Error ? error.message : error);
    else side.notes.push(`after the window: ${String(error instanceof Error ? error.message : error)}`);
  } finally {
    listener?.close();
    if (butt && typeof butt !== 'string') await butt.quit(5000);
    side.leftovers = await killLeftovers(taggedProcesses(tag));
    if (icecast && typeof icecast !== 'string') await icecast.stop();
    if (xvfb && typeof xvfb !== 'string') await stopChild(xvfb.xvfb, 'Xvfb', side.notes);
    await rig?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return side;
}

// ---------------------------------------------------------------- report

/** What a thread most likely is, from its process, name and when it appeared. */
function threadRole(t: TreeMeasurement['threads'][number], rootPid: number): string {
  const where = t.pid === rootPid ? 'engine' : 'capture helper';
  if (t.tid === t.pid) return `${where}: main thread (event loop)`;
  if (t.name === 'threaded-ml') return `${where}: PulseAudio client thread`;
  if (t.name !== 'node') return `${where}: "${t.name}"`;
  return `${where}: new at ${t.firstSeen}`;
}

function threadTable(m: TreeMeasurement, rootPid: number, limit = 12): string[][] {
  const rows = [...m.threads]
    .filter((t) => t.windowTicks > 0)
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, limit)
    .map((t) => [threadRole(t, rootPid), String(t.pid), String(t.tid), t.name, `+${t.bornAfterProcessMs}`, fmt(t.cpuPercent, 2)]);
  return [['thread (role from when it first appeared)', 'pid', 'tid', 'name', 'born ms', 'CPU %'], ...rows];
}

/** Airtight's CPU in a few buckets (from the per-thread figures). */
function airtightBuckets(m: TreeMeasurement, rootPid: number): Record<string, number> {
  const sum = (keep: (t: TreeMeasurement['threads'][number]) => boolean): number => round(m.threads.filter(keep).reduce((a, t) => a + t.cpuPercent, 0), 2);
  const engine = (t: TreeMeasurement['threads'][number]): boolean => t.pid === rootPid;
  const worker = (t: TreeMeasurement['threads'][number]): boolean => engine(t) && /^(diagnostics\.open|recorder\.start)/.test(t.firstSeen);
  return {
    'engine main thread': sum((t) => engine(t) && t.tid === t.pid),
    'engine encoder threads (stream + record workers)': sum(worker),
    'engine other threads (V8 platform, libuv)': sum((t) => engine(t) && t.tid !== t.pid && !worker(t)),
    'capture helper main thread': sum((t) => !engine(t) && t.tid === t.pid),
    'capture helper PulseAudio client thread': sum((t) => !engine(t) && t.name === 'threaded-ml'),
    'capture helper other threads (PortAudio, libuv pool, V8)': sum((t) => !engine(t) && t.tid !== t.pid && t.name !== 'threaded-ml'),
  };
}

function buttThreadTable(m: TreeMeasurement, limit = 8): string[][] {
  const rows = [...m.threads]
    .filter((t) => t.windowTicks > 0)
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, limit)
    .map((t) => [t.tid === t.pid ? 'BUTT main thread (FLTK GUI loop)' : `BUTT thread "${t.name}"`, String(t.pid), String(t.tid), t.name, `+${t.bornAfterProcessMs}`, fmt(t.cpuPercent, 2)]);
  return [['thread', 'pid', 'tid', 'name', 'born ms', 'CPU %'], ...rows];
}

function realTimeText(side: SideResult): string {
  const values = Object.values(side.realTime).filter((v): v is number => v !== null);
  return values.length > 0 ? values.map((v) => v.toFixed(3)).join(' / ') : '-';
}

function notRealTime(side: SideResult): boolean {
  return Object.values(side.realTime).some((v) => v === null || Math.abs(v - 1) > 0.03);
}

export async function run(log: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const began = performance.now();
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  const withButt = process.env.BENCH_BUTT !== '0';
  log(`engine CPU: capture ${SAMPLE_RATE} Hz stereo + MP3 ${STREAM_KBPS} kbps stream encode + MP3 ${RECORD_KBPS} kbps recording, ${WINDOW_SECONDS} s each: Airtight engine${withButt ? ', then BUTT' : ''}`);

  const missing = ensureInstalled(log, [
    { command: 'pulseaudio', pkg: 'pulseaudio' },
    { command: 'pacat', pkg: 'pulseaudio-utils' },
    { command: 'ffmpeg', pkg: 'ffmpeg' },
    ...(withButt
      ? [
          { command: 'butt', pkg: 'butt' },
          { command: 'Xvfb', pkg: 'xvfb' },
          { command: 'icecast2', pkg: 'icecast2' },
        ]
      : []),
  ]);
  const rigMissing = missing ?? pulseRigUnavailable() ?? ensureBuilt(log);
  if (rigMissing) {
    log(`FAILED: cannot run: ${rigMissing}`);
    return 1;
  }

  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const resultsDir = join(__dirname, 'results');
  const profileDir = process.env.BENCH_ENGINE_CPU_PROF === '1' ? join(resultsDir, `engine-cpu-prof-${stamp}`) : undefined;
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    log(`  profiling the engine (--cpu-prof; its CPU figures include the profiler's cost): ${profileDir.replace(ROOT + '/', '')}`);
  }
  const airtight = await runAirtight(log, profileDir);
  const profiles = profileDir ? summarizeProfiles(profileDir, ROOT) : [];
  const butt: SideResult = withButt ? await runButt(log) : { name: 'BUTT', ran: false, startFailure: undefined, realTime: {}, leftovers: [], notes: ['skipped (BENCH_BUTT=0)'] };

  // ----- table -----
  const header = [`job for ${WINDOW_SECONDS} s`, 'CPU % p50', 'CPU % max', 'CPU % mean', 'RSS MB p50', 'RSS MB max', 'PSS MB p50', 'real time', 'PulseAudio CPU %', 'machine busy %'];
  const row = (s: SideResult): string[] =>
    s.ran
      ? [s.name, fmt(s.cpu?.medianPercent), fmt(s.cpu?.maxPercent), fmt(s.cpu?.windowPercent, 2), fmt(s.rssMb?.median), fmt(s.rssMb?.max), fmt(s.pssMb?.median), realTimeText(s), fmt(s.soundServerCpuPercent, 2), fmt(s.machineBusyPercent)]
      : [s.name, ...Array(header.length - 2).fill('-'), s.startFailure ? 'FAILED' : 'skipped'];
  const rows = [header, row(airtight), row(butt)];
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null => (a != null && b != null && b > 0 ? round(a / b, 2) : null);
  const ratios = {
    cpuMedian: ratio(airtight.cpu?.medianPercent, butt.cpu?.medianPercent),
    cpuMax: ratio(airtight.cpu?.maxPercent, butt.cpu?.maxPercent),
    cpuMean: ratio(airtight.cpu?.windowPercent, butt.cpu?.windowPercent),
    rssMedian: ratio(airtight.rssMb?.median, butt.rssMb?.median),
    rssMax: ratio(airtight.rssMb?.max, butt.rssMb?.max),
    pssMedian: ratio(airtight.pssMb?.median, butt.pssMb?.median),
  };
  if (airtight.ran && butt.ran) {
    rows.push(['Airtight / BUTT', fmt(ratios.cpuMedian, 2), fmt(ratios.cpuMax, 2), fmt(ratios.cpuMean, 2), fmt(ratios.rssMedian, 2), fmt(ratios.rssMax, 2), fmt(ratios.pssMedian, 2), '', '', '']);
  }
  const lines: string[] = ['', formatTable(rows)];
  lines.push(
    'CPU = utime+stime of the process tree (Airtight: engine + naudiodon capture helper; BUTT: one process), % of one core, 1 s samples; mean = the whole window. ' +
      'RSS = VmRSS summed over the tree; PSS splits shared pages. PulseAudio CPU = the sound server both capture from (outside both figures).',
  );
  lines.push(
    `real time: Airtight = recorder counter over the window / recorder.stop frames over wall time since recorder.start / meter frames (capture); BUTT = Icecast listener bytes vs ${STREAM_KBPS} kbps / recording growth vs ${RECORD_KBPS} kbps. ` +
      'Airtight\'s stream encoder output is counted and dropped inside the engine (no network sender yet): its stream side is encode-only, BUTT\'s also sends to Icecast.',
  );
  if (airtight.ran && butt.ran && ratios.cpuMean !== null) {
    const verdict = ratios.cpuMean <= 1 ? 'MET' : 'NOT MET';
    lines.push(`goal "Airtight at or below BUTT's CPU for the same job": ${verdict} (mean CPU ${fmt(airtight.cpu?.windowPercent, 2)} % vs ${fmt(butt.cpu?.windowPercent, 2)} %, ${fmt(ratios.cpuMean, 2)}x)`);
  }
  for (const side of [airtight, butt]) {
    if (side.ran && notRealTime(side)) lines.push(`WARNING: ${side.name} did not run at real time (${realTimeText(side)}): its CPU figure is for less (or more) work than the job`);
  }
  if (airtight.measurement) {
    lines.push('', `where Airtight's CPU goes (threads, % of one core over the window; born = thread start after its process start; engine pid ${airtight.measurement.processes[0]?.pid}):`);
    lines.push(formatTable(threadTable(airtight.measurement, airtight.measurement.processes[0]!.pid)));
    const buckets = airtightBuckets(airtight.measurement, airtight.measurement.processes[0]!.pid);
    airtight.cpuBuckets = buckets;
    lines.push(`in buckets: ${Object.entries(buckets).map(([k, v]) => `${k} ${fmt(v, 2)}`).join('; ')}`);
    const mb = (kb: number | null): string => fmt(kb === null ? null : kb / 1024);
    lines.push(
      `per process: ${airtight.measurement.processes
        .map((p) => `${p.cmdline.split(' ').slice(-1)[0]?.replace(ROOT + '/', '') || p.name} (pid ${p.pid}) CPU ${fmt(p.cpuPercent, 2)} %, RSS ${mb(p.rssKbMedian)} MB, PSS ${mb(p.pssKbMedian)} MB`)
        .join('; ')}`,
    );
  }
  for (const p of profiles) {
    // Node names the files CPU.<date>.<time>.<pid>.<threadId>.<seq>: thread 0 is the main thread, workers count up in creation order.
    const threadId = Number(p.file.split('.')[4]);
    const which = threadId === 0 ? 'engine main thread' : `engine worker thread ${threadId} (workers in creation order: 1 = stream encoder, 2 = record worker here)`;
    lines.push('', `profile of the ${which}, ${p.file}: busy ${p.busyMs} of ${p.spanMs} ms (the engine's whole life, not only the window); top self time:`);
    for (const t of p.top) lines.push(`  ${String(t.selfMs).padStart(7)} ms  ${t.fn}`);
  }
  if (butt.measurement) {
    lines.push('', 'BUTT threads:');
    lines.push(formatTable(buttThreadTable(butt.measurement)));
  }
  for (const side of [airtight, butt]) {
    if (side.startFailure) lines.push(`FAILED to start: ${side.name}: ${side.startFailure}`);
    const p = side.recording?.probe;
    if (p) lines.push(`${side.name} recording: ${p.error ?? `${p.codec} ${p.sampleRate} Hz ${p.channels} ch, ${fmt((p.bitRate ?? 0) / 1000, 0)} kbps, ${fmt(p.durationSeconds, 2)} s`}`);
    for (const note of side.notes) lines.push(`${side.name}: ${note}`);
    if (side.leftovers.length > 0) lines.push(`FAILED: ${side.name} left ${side.leftovers.length} process(es) behind: ${JSON.stringify(side.leftovers)}`);
  }
  const seconds = (performance.now() - began) / 1000;
  lines.push(`took ${seconds.toFixed(0)} s; load average before ${loadBefore.join(' ')}, after ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${cpus().length} cores; ${release()}`);
  for (const line of lines) log(line);

  // ----- JSON -----
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `engine-cpu-${stamp}.json`);
  const strip = (s: SideResult): unknown => ({
    ...s,
    measurement: s.measurement
      ? {
          seconds: s.measurement.seconds,
          cpuPercent: s.measurement.cpuPercent,
          processes: s.measurement.processes,
          ended: s.measurement.ended,
          threads: s.measurement.threads.map((t) => ({ ...t, cpuPercent: round(t.cpuPercent, 3) })),
          samples: s.measurement.samples.map((x) => ({ at: round(x.at, 2), cpuPercent: round(x.cpuPercent, 2), rssKb: x.rssKb, pssKb: x.pssKb, pids: x.pids })),
        }
      : undefined,
  });
  writeFileSync(
    file,
    JSON.stringify(
      {
        bench: 'engine-cpu',
        at: new Date().toISOString(),
        job: { sampleRate: SAMPLE_RATE, channels: 2, streamMp3Kbps: STREAM_KBPS, recordMp3Kbps: RECORD_KBPS, windowSeconds: WINDOW_SECONDS, settleSeconds: SETTLE_SECONDS, tone: TONE },
        machine: { cores: cpus().length, model: cpus()[0]?.model, kernel: release(), loadBefore, clockTicks: CLOCK_TICKS },
        airtightStreamNote: 'stream encoder output counted and dropped inside the engine (diagnostics.open streamEncoder): no network sender yet',
        ratios,
        profiles,
        airtight: strip(airtight),
        butt: strip(butt),
        seconds: round(seconds, 1),
      },
      null,
      2,
    ) + '\n',
  );
  log(`results: ${file.replace(ROOT + '/', '')}`);

  const failed = [airtight, butt].filter((s) => s.startFailure !== undefined || s.leftovers.length > 0);
  return failed.length > 0 ? 1 : 0;
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
