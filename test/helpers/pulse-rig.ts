/**
 * An isolated PulseAudio for capture tests (recipe: shared/reference/test-rig.md).
 *
 * The default source is a null sink's monitor fed by `ffmpeg | pacat`: this runs at real time
 * through PortAudio (module-sine-source does not, see the reference). Every process is started
 * here and ended by pid in stop(); all files live in one temp dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PulseRigOptions {
  /** Rate of the null sink and of the fed tone. */
  sampleRate?: number;
  /** Tone fed into the sink; omit for no player (a silent monitor). */
  tone?: { frequency: number; peakDbfs: number } | null;
}

export interface PulseRig {
  /** What a capture process needs in its environment to see only this server. */
  env: Record<string, string>;
  dir: string;
  pulsePid(): number;
  /** SIGSTOP the server: clients block, nothing errors (a stalled sound server). */
  stall(): void;
  resume(): void;
  /** SIGKILL the server: the device dies mid-capture. */
  kill(): Promise<void>;
  /** Start the server (and the player) again in the same dirs, after kill(). */
  restart(): Promise<void>;
  /** Ends pulseaudio, ffmpeg and pacat by pid and removes the temp dir. */
  stop(): Promise<void>;
}

/** Why the rig cannot run here, or null when it can. */
export function pulseRigUnavailable(): string | null {
  for (const tool of ['pulseaudio', 'pacat', 'pactl', 'ffmpeg']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not installed (Debian: pulseaudio pulseaudio-utils ffmpeg)`;
  }
  if (!existsSync('/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so') &&
      spawnSync('sh', ['-c', 'ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so']).status !== 0) {
    return 'the ALSA pulse plugin is missing (Debian: libasound2-plugins)';
  }
  return null;
}

export async function startPulseRig(options: PulseRigOptions = {}): Promise<PulseRig> {
  const rate = options.sampleRate ?? 48000;
  const tone = options.tone === undefined ? { frequency: 997, peakDbfs: -12 } : options.tone;
  const dir = mkdtempSync(join(tmpdir(), 'airtight-pulse-'));
  for (const sub of ['run', 'home', 'xdg']) mkdirSync(join(dir, sub));
  chmodSync(join(dir, 'run'), 0o700);
  chmodSync(join(dir, 'xdg'), 0o700);
  const socket = join(dir, 'run', 'native');
  writeFileSync(
    join(dir, 'rig.pa'),
    [
      `load-module module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      `load-module module-null-sink sink_name=test_sink rate=${rate} channels=2`,
      'set-default-sink test_sink',
      'set-default-source test_sink.monitor',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'asound.conf'),
    ['pcm.!default { type pulse }', 'ctl.!default { type pulse }', 'pcm.pulse { type pulse }', 'ctl.pulse { type pulse }', ''].join('\n'),
  );
  const env: Record<string, string> = {
    HOME: join(dir, 'home'),
    XDG_RUNTIME_DIR: join(dir, 'xdg'),
    PULSE_RUNTIME_PATH: join(dir, 'run'),
    PULSE_SERVER: `unix:${socket}`,
    ALSA_CONFIG_PATH: join(dir, 'asound.conf'),
    // A client must never spawn a server of its own behind our back.
    PULSE_CLIENTCONFIG: join(dir, 'client.conf'),
  };
  writeFileSync(env.PULSE_CLIENTCONFIG!, 'autospawn = no\n');
  const childEnv = { ...process.env, ...env };

  let pulse: ChildProcess | null = null;
  let player: { ffmpeg: ChildProcess; pacat: ChildProcess } | null = null;
  const log: string[] = [];

  const startServer = async (): Promise<void> => {
    rmSync(socket, { force: true });
    pulse = spawn('pulseaudio', ['-n', '-F', join(dir, 'rig.pa'), '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=no', '--log-target=stderr'], {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    pulse.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    // Ready when pactl gets an answer; bounded to 10 s.
    for (let i = 0; i < 100; i++) {
      if (pulse.exitCode !== null) throw new Error(`pulseaudio exited: ${log.join('')}`);
      if (existsSync(socket) && spawnSync('pactl', ['info'], { env: childEnv, timeout: 2000 }).status === 0) break;
      if (i === 99) throw new Error(`pulseaudio did not answer within 10 s: ${log.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (tone) player = startPlayer(rate, tone, childEnv);
  };

  const endPlayer = async (): Promise<void> => {
    if (!player) return;
    const p = player;
    player = null;
    await Promise.all([endByPid(p.pacat), endByPid(p.ffmpeg)]);
  };

  await startServer();

  return {
    env,
    dir,
    pulsePid: () => pulse?.pid ?? -1,
    stall: () => {
      if (pulse?.pid) process.kill(pulse.pid, 'SIGSTOP');
    },
    resume: () => {
      if (pulse?.pid) process.kill(pulse.pid, 'SIGCONT');
    },
    kill: async () => {
      if (pulse) await endByPid(pulse, 'SIGKILL');
      pulse = null;
      await endPlayer();
    },
    restart: async () => {
      await endPlayer();
      if (pulse) await endByPid(pulse, 'SIGKILL');
      await startServer();
    },
    stop: async () => {
      if (pulse?.pid) {
        try {
          process.kill(pulse.pid, 'SIGCONT'); // a stopped process cannot act on SIGTERM
        } catch {
          /* already gone */
        }
      }
      await endPlayer();
      if (pulse) await endByPid(pulse);
      pulse = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `ffmpeg` makes the tone as fast as it can; `pacat` blocks on the sink, so pulse paces it. */
function startPlayer(rate: number, tone: { frequency: number; peakDbfs: number }, env: NodeJS.ProcessEnv): { ffmpeg: ChildProcess; pacat: ChildProcess } {
  const amplitude = Math.pow(10, tone.peakDbfs / 20);
  const ffmpeg = spawn(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `aevalsrc=${amplitude.toFixed(6)}*sin(2*PI*${tone.frequency}*t):s=${rate}:c=stereo`, '-f', 's16le', '-'],
    { env, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const pacat = spawn(
    'pacat',
    ['--device=test_sink', '--format=s16le', `--rate=${rate}`, '--channels=2', '--latency-msec=20'],
    { env, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  ffmpeg.stdout?.pipe(pacat.stdin!);
  // The pipe breaks when either side ends: that is expected at stop, never a test failure.
  pacat.stdin?.on('error', () => {});
  ffmpeg.stdout?.on('error', () => {});
  return { ffmpeg, pacat };
}

/** SIGTERM (or `signal`), then SIGKILL after 2 s; resolves once the process is reaped. */
async function endByPid(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(child.pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 2000);
  await exited;
  clearTimeout(timer);
}
