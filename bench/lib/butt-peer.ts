/**
 * The peer: real BUTT 0.1.37 (Debian `butt`), started and quit the way a BUTT user scripts it,
 * so Airtight's quit time has something to be compared with.
 *
 * What works on a machine without a sound card or display (found by trying):
 * - BUTT needs an X display: Xvfb, started here with `-displayfd` (it picks a free display and
 *   tells us which) and `-nolisten tcp`.
 * - Without any audio device BUTT 0.1.37 does not quit and does not start its command server: it
 *   opens an untitled 742x152 FLTK dialog (its "no audio device" alert) and waits for a click
 *   forever, so `butt -q` answers "No butt instance running". With the isolated PulseAudio rig
 *   from /work/shared/reference/test-rig.md (a null sink whose monitor is the default source; ALSA
 *   pointed at it through ALSA_CONFIG_PATH) BUTT opens its main window and prints
 *   "Command server listening on port N" within about half a second.
 * - Ready = the command port is in LISTEN state in /proc/net/tcp (BUTT's stdout is a pipe here
 *   and may be block-buffered, so its "listening" line is not a dependable signal).
 * - Quit = `butt -q -p <port>` (the control client sends command 7 and exits once acked; it
 *   needs no display). Also timed: the same 16-byte command 7 sent by the bench itself, which
 *   leaves out the control client's own process start, like a signal sent to Airtight.
 * Everything started here (pulseaudio, Xvfb, each BUTT, each client) is our child and is
 * stopped by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports';
import { pulseRigUnavailable, startPulseRig, type PulseRig } from '../../test/helpers/pulse-rig';
import { TAG_VAR, isListening, killLeftovers, sendTcp, sleep, stillPresent, waitFor, within, type Leftover } from './procs';

export interface ButtSample {
  cycle: number;
  method: 'client' | 'raw';
  startMs: number;
  /** From spawning `butt -q` (client) or writing command 7 (raw) to the BUTT process's exit. */
  quitMs: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  /** The control client's exit code and its own run time (client method only). */
  clientCode?: number | null;
  clientMs?: number;
  hung: boolean;
  leftovers: Leftover[];
  error?: string;
}

export interface ButtResult {
  ran: boolean;
  why?: string;
  version?: string;
  rig?: string;
  samples: ButtSample[];
  startFailures: number;
  notes: string[];
  settleMs?: number;
}

/**
 * BUTT's main loop only acts on commands about 2 s after its command port opens: a quit sent
 * 200 ms after the port opened took 1.75 s, one sent 1 s after took 0.97 s, from 2 s on it takes
 * 0.25-0.3 s (the command thread acks at once; the GUI loop picks the request up on a timer,
 * joins its threads and rewrites its config). Measured once settled, like Airtight (whose quit
 * time is the same 200 ms or 3 s after its resources opened).
 */
const SETTLE_MS = Number.parseInt(process.env.BENCH_BUTT_SETTLE_MS ?? '', 10) || 3000;
const START_TIMEOUT_MS = 15_000;
const QUIT_TIMEOUT_MS = 15_000;

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A command and the Debian package that provides it. */
export interface Needed {
  command: string;
  pkg: string;
}

const QUIT_BENCH_NEEDS: Needed[] = [
  { command: 'butt', pkg: 'butt' },
  { command: 'Xvfb', pkg: 'xvfb' },
  { command: 'pulseaudio', pkg: 'pulseaudio' },
];

/** Installs what is missing of `needs` (BUTT, Xvfb, PulseAudio by default) when we are root. Returns why not, if not. */
export function ensureInstalled(log: (line: string) => void, needs: Needed[] = QUIT_BENCH_NEEDS): string | undefined {
  const missing = needs.filter((n) => !has(n.command));
  if (missing.length === 0) return undefined;
  if (process.getuid?.() !== 0) return `${missing.map((n) => n.command).join(', ')} not installed and not root`;
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  log(`  installing ${pkgs.join(' ')} (missing: ${missing.map((n) => n.command).join(', ')}) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { env, timeout: 300_000, encoding: 'utf8' });
  if (update.status !== 0) return `apt-get update failed: ${(update.stderr || String(update.error ?? '')).trim().slice(-300)}`;
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env, timeout: 600_000, encoding: 'utf8' });
  if (install.status !== 0) return `apt-get install failed: ${(install.stderr || String(install.error ?? '')).trim().slice(-300)}`;
  const still = needs.filter((n) => !has(n.command));
  return still.length > 0 ? `still missing after apt-get install: ${still.map((n) => n.command).join(', ')}` : undefined;
}

/** SIGTERM by pid, SIGKILL after 3 s (noted), bounded wait for the exit. */
export async function stopChild(child: ChildProcess, name: string, notes: string[]): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  if ((await within(exited, 3000, 'timeout')) === 'timeout') {
    notes.push(`${name} (pid ${child.pid}) ignored SIGTERM for 3 s; SIGKILL`);
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await within(exited, 3000, 'timeout');
  }
}

interface Rig {
  env: NodeJS.ProcessEnv;
  pulse: PulseRig;
  xvfb: ChildProcess;
  display: string;
}

/** Xvfb on a display it picks itself (`-displayfd`), no TCP; stop it with stopChild. */
export async function startXvfb(notes: string[]): Promise<{ xvfb: ChildProcess; display: string } | string> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '800x600x24'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  xvfb.on('error', () => undefined);
  let displayText = '';
  xvfb.stdio[3]!.on('data', (chunk: Buffer) => (displayText += chunk.toString()));
  if (!(await waitFor(() => displayText.includes('\n') || xvfb.exitCode !== null, 10_000, 20)) || xvfb.exitCode !== null) {
    await stopChild(xvfb, 'Xvfb', notes);
    return 'Xvfb did not start';
  }
  return { xvfb, display: `:${displayText.trim()}` };
}

/** The test-rig.md PulseAudio (a null sink, its monitor as the default capture device) and Xvfb. */
async function startRig(notes: string[]): Promise<Rig | string> {
  const missing = pulseRigUnavailable();
  if (missing) return `PulseAudio rig unavailable: ${missing}`;
  let pulse: PulseRig;
  try {
    pulse = await startPulseRig({ sampleRate: 48000, tone: null });
  } catch (error) {
    return `PulseAudio rig did not start: ${String(error)}`;
  }
  const started = await startXvfb(notes);
  if (typeof started === 'string') {
    await pulse.stop();
    return started;
  }
  const { xvfb, display } = started;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', DISPLAY: display, JACK_NO_START_SERVER: '1', ...pulse.env };
  return { env, pulse, xvfb, display };
}

async function buttCycle(rig: Rig, cycle: number, method: 'client' | 'raw', tag: string): Promise<ButtSample | { startFailed: string }> {
  const port = await freePort('tcp');
  const config = join(rig.env.HOME!, 'buttrc');
  const started = performance.now();
  const butt = spawn('butt', ['-c', config, '-p', String(port)], {
    env: { ...rig.env, [TAG_VAR]: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  butt.on('error', () => undefined);
  butt.stdout!.resume();
  butt.stderr!.resume();
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    butt.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const known = butt.pid ? [{ pid: butt.pid, ppid: process.pid, state: '?', startTime: '' }] : [];
  const ready = await waitFor(() => isListening(port) || butt.exitCode !== null || butt.signalCode !== null, START_TIMEOUT_MS, 10);
  if (!ready || butt.exitCode !== null || butt.signalCode !== null) {
    const why = !ready ? `no command server on port ${port} within ${START_TIMEOUT_MS} ms` : `exited early (code ${butt.exitCode})`;
    if (butt.pid && butt.exitCode === null) process.kill(butt.pid, 'SIGKILL');
    await within(exited, 3000, undefined);
    await killLeftovers(stillPresent([], tag));
    return { startFailed: why };
  }
  const startMs = performance.now() - started;
  await sleep(SETTLE_MS);

  let clientCode: number | null | undefined;
  let clientMs: number | undefined;
  let error: string | undefined;
  const sentAt = performance.now();
  if (method === 'client') {
    const client = spawn('butt', ['-q', '-p', String(port)], { env: { PATH: process.env.PATH, [TAG_VAR]: tag }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    client.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    client.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    client.on('error', (e) => (error = `client: ${e.message}`));
    void within(once(client, 'exit'), QUIT_TIMEOUT_MS, undefined).then((r) => {
      clientMs = performance.now() - sentAt;
      clientCode = r ? (r[0] as number | null) : null;
      if (!r && client.pid) client.kill('SIGKILL');
      if (clientCode !== 0) error = `client exit ${clientCode}: ${out.trim().slice(0, 200)}`;
    });
  } else {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(7, 0); // quit
    header.writeUInt32LE(0, 4); // no parameter
    const sendError = await sendTcp(port, header);
    if (sendError) error = `send: ${sendError.message}`;
  }
  const exit = await within(exited, QUIT_TIMEOUT_MS, undefined);
  const hung = exit === undefined;
  if (hung && butt.pid) process.kill(butt.pid, 'SIGKILL');
  if (hung) await within(exited, 3000, undefined);
  const leftovers = await killLeftovers(stillPresent(hung ? [] : known, tag));
  // Let the client's exit be observed (bounded) before the next cycle.
  await waitFor(() => method === 'raw' || clientMs !== undefined, 5000, 10);
  return {
    cycle,
    method,
    startMs: Math.round(startMs * 10) / 10,
    quitMs: exit ? Math.round((exit.at - sentAt) * 10) / 10 : null,
    exitCode: exit?.code ?? null,
    exitSignal: exit?.signal ?? null,
    ...(method === 'client' ? { clientCode: clientCode ?? null, clientMs: clientMs === undefined ? -1 : Math.round(clientMs * 10) / 10 } : {}),
    hung,
    leftovers,
    ...(error ? { error } : {}),
  };
}

export async function runButtPeer(options: {
  cycles: number;
  deadlineAt: number;
  log: (line: string) => void;
}): Promise<ButtResult> {
  const notes: string[] = [];
  const result: ButtResult = { ran: false, samples: [], startFailures: 0, notes, settleMs: SETTLE_MS };
  const why = ensureInstalled(options.log);
  if (why) return { ...result, why };
  const versionOut = spawnSync('butt', ['-v'], { encoding: 'utf8', timeout: 5000 });
  result.version = `${versionOut.stdout}${versionOut.stderr}`.match(/\d+\.\d+\.\d+/)?.[0] ?? 'unknown';

  const rig = await startRig(notes);
  if (typeof rig === 'string') return { ...result, why: rig };
  result.rig = `Xvfb ${rig.display}, PulseAudio null sink (pid ${rig.pulse.pulsePid()})`;
  try {
    // Warm-up (not counted): the first start writes BUTT's default config into the temp HOME.
    const warm = await buttCycle(rig, -1, 'client', `${process.pid}-butt-warmup`);
    if ('startFailed' in warm) return { ...result, why: `BUTT did not start: ${warm.startFailed}` };
    result.ran = true;
    let consecutiveFailures = 0;
    for (let i = 0; i < options.cycles * 2; i++) {
      if (performance.now() > options.deadlineAt) {
        notes.push(`time budget reached after ${i} BUTT cycles`);
        break;
      }
      const method = i % 2 === 0 ? 'client' : 'raw';
      const sample = await buttCycle(rig, i, method, `${process.pid}-butt-${i}`);
      if ('startFailed' in sample) {
        result.startFailures++;
        notes.push(`BUTT cycle ${i}: ${sample.startFailed}`);
        if (++consecutiveFailures >= 3) {
          notes.push('3 BUTT starts failed in a row; stopped');
          break;
        }
        continue;
      }
      consecutiveFailures = 0;
      result.samples.push(sample);
    }
    return result;
  } finally {
    await stopChild(rig.xvfb, 'Xvfb', notes);
    await rig.pulse.stop();
  }
}
