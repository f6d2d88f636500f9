/**
 * Encoder benchmark: each Airtight encoder against the Debian command-line encoder for the same
 * job, in the same run, on the same 60 s of stereo audio (a music-like mix of tones and noise).
 *
 *   ours   = createEncoder() fed 1024-frame blocks (as the pipeline does), once with the machine's
 *            codec library ('system') and once with the bundled WebAssembly build ('wasm') for
 *            MP3, Vorbis and FLAC (Opus and AAC have one implementation here); CPU = this process's
 *            user+sys (process.cpuUsage) plus reaped children's (ffmpeg for AAC), from
 *            /proc/self/stat cutime/cstime.
 *   native = lame / oggenc / opusenc / flac / ffmpeg on a 16-bit WAV of the same audio; CPU from
 *            the same children's counters (10 ms resolution, so each job runs BENCH_ENCODER_RUNS
 *            times and the median is shown).
 *
 * A benchmark, not a test: no thresholds (the goal, within 1.5x of native CPU, is printed beside
 * each ratio). Exit code 1 only when an encoder fails. Run alone: `npx tsx bench/encoders.ts`.
 */
import './lib/opus-as-in-engine';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEncoder } from '../main/engine/audio/encoders/create-encoder';
import type { EncoderImplementation } from '../native/codecs/system-library';
import { isChildProcessEncoder } from '../main/engine/audio/encoders/aac-encoder';
import { formatTable, fmt } from './lib/stats';

const SECONDS = Number(process.env.BENCH_ENCODER_SECONDS ?? 60);
const RUNS = Math.max(1, Number(process.env.BENCH_ENCODER_RUNS ?? 3));
const BLOCK_FRAMES = 1024;
const GOAL_RATIO = 1.5;

interface Job {
  label: string;
  settings: Record<string, unknown>;
  rate: number;
  native: { cmd: string; args: (wav: string, out: string) => string[]; ext: string };
}

const JOBS: Job[] = [
  { label: 'MP3 CBR 128', settings: { codec: 'mp3', mode: 'cbr', bitrateKbps: 128 }, rate: 44100,
    native: { cmd: 'lame', args: (w, o) => ['--quiet', '--cbr', '-b', '128', w, o], ext: 'mp3' } },
  { label: 'MP3 CBR 192', settings: { codec: 'mp3', mode: 'cbr', bitrateKbps: 192 }, rate: 44100,
    native: { cmd: 'lame', args: (w, o) => ['--quiet', '--cbr', '-b', '192', w, o], ext: 'mp3' } },
  { label: 'MP3 VBR V2', settings: { codec: 'mp3', mode: 'vbr', vbrQuality: 2 }, rate: 44100,
    native: { cmd: 'lame', args: (w, o) => ['--quiet', '-V', '2', w, o], ext: 'mp3' } },
  { label: 'Vorbis q4', settings: { codec: 'vorbis', mode: 'quality', quality: 4 }, rate: 44100,
    native: { cmd: 'oggenc', args: (w, o) => ['--quiet', '-q', '4', '-o', o, w], ext: 'ogg' } },
  { label: 'Opus 96 VBR c10', settings: { codec: 'opus', bitrateKbps: 96, complexity: 10, mode: 'vbr' }, rate: 48000,
    native: { cmd: 'opusenc', args: (w, o) => ['--quiet', '--bitrate', '96', '--comp', '10', w, o], ext: 'opus' } },
  { label: 'FLAC 16 -5', settings: { codec: 'flac', compression: 5 }, rate: 44100,
    native: { cmd: 'flac', args: (w, o) => ['--silent', '-f', '-5', '-o', o, w], ext: 'flac' } },
  { label: 'Ogg FLAC 16 -5', settings: { codec: 'ogg-flac', compression: 5 }, rate: 44100,
    native: { cmd: 'flac', args: (w, o) => ['--silent', '-f', '--ogg', '-5', '-o', o, w], ext: 'oga' } },
  { label: 'AAC-LC 128 (ffmpeg)', settings: { codec: 'aac', profile: 'lc', bitrateKbps: 128 }, rate: 44100,
    native: { cmd: 'ffmpeg', args: (w, o) => ['-v', 'error', '-y', '-i', w, '-c:a', 'aac', '-b:a', '128k', '-f', 'adts', o], ext: 'aac' } },
];

/** A deterministic music-like signal: a few drifting tones, a beat and some noise, about -12 dBFS. */
function testAudio(seconds: number, rate: number): Float32Array {
  const frames = Math.round(seconds * rate);
  const out = new Float32Array(frames * 2);
  let seed = 12345;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    const beat = Math.exp(-((t * 2) % 1) * 8);
    const tones = 0.12 * Math.sin(2 * Math.PI * (220 + 20 * Math.sin(t / 3)) * t) + 0.08 * Math.sin(2 * Math.PI * 997 * t) + 0.05 * Math.sin(2 * Math.PI * 3150 * t);
    const n = 0.1 * beat * noise() + 0.01 * noise();
    out[i * 2] = tones + n;
    out[i * 2 + 1] = tones * 0.8 + 0.1 * beat * noise() + 0.01 * noise();
  }
  // Quantize to 16 bit so the WAV the CLI encoders read holds exactly what ours get.
  for (let i = 0; i < out.length; i++) out[i] = Math.round(out[i]! * 32767) / 32768;
  return out;
}

function wav16(samples: Float32Array, rate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768))), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(2, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** CPU seconds of children this process has reaped (Linux /proc/self/stat cutime + cstime). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): cutime is field 16, cstime 17.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Measure {
  wall: number;
  cpu: number;
  bytes: number;
}

/** Codecs whose encoder exists both as the machine's library and as WebAssembly. */
const TWO_IMPLEMENTATIONS = new Set(['mp3', 'vorbis', 'flac', 'ogg-flac']);

function implementationsOf(job: Job): (EncoderImplementation | null)[] {
  return TWO_IMPLEMENTATIONS.has(String(job.settings.codec)) ? ['system', 'wasm'] : [null];
}

async function runOurs(job: Job, audio: Float32Array, implementation: EncoderImplementation | null, seen?: Set<string>): Promise<Measure> {
  const result = await createEncoder(job.settings, { sampleRate: job.rate, channels: 2 }, implementation ?? 'auto');
  if (!result.ok) throw new Error(`${job.label}: ${result.error.code} ${result.error.message}`);
  const encoder = result.encoder;
  seen?.add(encoder.implementation);
  const cpu0 = ownCpuSeconds() + childrenCpuSeconds();
  const t0 = performance.now();
  let bytes = 0;
  const step = BLOCK_FRAMES * 2;
  for (let at = 0; at < audio.length; at += step) {
    for (const c of encoder.encode(audio.subarray(at, at + step))) bytes += c.bytes.length;
    // A child-process encoder needs its event loop to move output (it has one in the engine too).
    if (isChildProcessEncoder(encoder) && (at / step) % 64 === 0) await new Promise((r) => setImmediate(r));
  }
  for (const c of encoder.flush()) bytes += c.bytes.length;
  if (isChildProcessEncoder(encoder)) {
    for (const c of await encoder.drain(30_000)) bytes += c.bytes.length;
    await encoder.closed();
  }
  encoder.close();
  const wall = (performance.now() - t0) / 1000;
  return { wall, cpu: ownCpuSeconds() + childrenCpuSeconds() - cpu0, bytes };
}

function runNative(job: Job, wav: string, dir: string): Measure | string {
  const out = join(dir, `native.${job.native.ext}`);
  const cpu0 = childrenCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(job.native.cmd, job.native.args(wav, out), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  const wall = (performance.now() - t0) / 1000;
  if (r.error) return `${job.native.cmd}: ${r.error.message}`;
  if (r.status !== 0) return `${job.native.cmd} exit ${r.status}: ${r.stderr.toString().trim().slice(0, 200)}`;
  return { wall, cpu: childrenCpuSeconds() - cpu0, bytes: readFileSync(out).length };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function medianMeasure(ms: Measure[]): Measure {
  return { wall: median(ms.map((m) => m.wall)), cpu: median(ms.map((m) => m.cpu)), bytes: ms[0]!.bytes };
}

export async function run(log: (line: string) => void = console.log): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'airtight-bench-enc-'));
  let failures = 0;
  try {
    const audio = new Map<number, { samples: Float32Array; wav: string }>();
    for (const rate of new Set(JOBS.map((j) => j.rate))) {
      const samples = testAudio(SECONDS, rate);
      const wav = join(dir, `in-${rate}.wav`);
      writeFileSync(wav, wav16(samples, rate));
      audio.set(rate, { samples, wav });
    }
    log(`encoders: ${SECONDS} s stereo, ${RUNS} run(s) each, median shown; CPU = user+sys seconds`);
    const rows: string[][] = [['job', 'ours', 'ours xRT', 'ours CPU s', 'ours kbps', 'native xRT', 'native CPU s', 'native kbps', 'CPU ours/native', `goal <= ${GOAL_RATIO}`]];
    const results: Record<string, unknown>[] = [];
    const libraries = new Set<string>();
    for (const job of JOBS) {
      const { samples, wav } = audio.get(job.rate)!;
      // The command-line encoder once per job; each of our implementations is compared with it.
      const native: Measure[] = [];
      let nativeNote = '';
      for (let i = 0; i < RUNS; i++) {
        const m = runNative(job, wav, dir);
        if (typeof m === 'string') {
          nativeNote = `native failed: ${m}`;
          break;
        }
        native.push(m);
      }
      const n = native.length ? medianMeasure(native) : null;
      for (const implementation of implementationsOf(job)) {
        const ours: Measure[] = [];
        let note = nativeNote;
        try {
          await runOurs(job, samples.subarray(0, job.rate * 2), implementation, libraries); // warm up (wasm compile, JIT)
          for (let i = 0; i < RUNS; i++) ours.push(await runOurs(job, samples, implementation));
        } catch (error) {
          note = `ours failed: ${error instanceof Error ? error.message : String(error)}`;
          failures++;
        }
        const o = ours.length ? medianMeasure(ours) : null;
        const ratio = o && n && n.cpu > 0 ? o.cpu / n.cpu : null;
        rows.push([
          job.label,
          implementation ?? '-',
          o ? fmt(SECONDS / o.wall, 0) : '-',
          o ? fmt(o.cpu, 2) : '-',
          o ? fmt((o.bytes * 8) / SECONDS / 1000, 0) : '-',
          n ? fmt(SECONDS / n.wall, 0) : '-',
          n ? fmt(n.cpu, 2) : '-',
          n ? fmt((n.bytes * 8) / SECONDS / 1000, 0) : '-',
          ratio === null ? '-' : `${fmt(ratio, 2)}x`,
          ratio === null ? note || '-' : ratio <= GOAL_RATIO ? 'yes' : 'no',
        ]);
        results.push({ job: job.label, implementation: implementation ?? 'only', ours: o, native: n, ratio, note: note || undefined });
      }
    }
    log(formatTable(rows));
    log(`libraries: ${[...libraries].join('; ')}`);
    log(`opus backend: ${process.env.OPUS_FORCE_WASM ? 'WebAssembly, as in the engine\'s encoder threads (BENCH_OPUS_NATIVE=1 for the addon)' : 'native binary from @evan/opus when it loads (not what the engine runs)'}`);
    if (process.env.BENCH_ENCODERS_JSON) writeFileSync(process.env.BENCH_ENCODERS_JSON, JSON.stringify(results, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failures > 0 ? 1 : 0;
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
