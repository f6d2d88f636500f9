/**
 * A real BUTT 0.1.37 instance with its command server, for testing Airtight's client against
 * it. Recipe from bench/lib/butt-peer.ts: BUTT needs an X display (Xvfb, which picks its own
 * display with -displayfd) and a capture device (the PulseAudio rig), else it waits on a
 * dialog and never opens its command port. Ready = the port is in LISTEN state. Everything
 * started here is stopped by pid in stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPulseRig, pulseRigUnavailable, type PulseRig } from '../helpers/pulse-rig';
import { freePort } from '../helpers/ports';

export interface ButtInstance {
  port: number;
  pid: number;
  /** BUTT's stdout and stderr so far. */
  output(): string;
  exited(): boolean;
  /** Resolves true once BUTT has exited by itself, false after `ms`. */
  waitForExit(ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

export function buttUnderXvfbUnavailable(): string | null {
  for (const tool of ['butt', 'Xvfb']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed (Debian: butt xvfb)`;
  }
  return pulseRigUnavailable();
}

/** A TCP port in LISTEN state, or a UDP port bound (state 07), per /proc/net. */
function listening(port: number, protocol: 'tcp' | 'udp'): boolean {
  let text = '';
  try {
    text = readFileSync(`/proc/net/${protocol}`, 'utf8');
  } catch {
    return false;
  }
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return text.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols[1]?.endsWith(hex) === true && cols[3] === (protocol === 'tcp' ? '0A' : '07');
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function endByPid(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  if ((await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])) === false) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await Promise.race([exited, sleep(3000)]);
  }
}

/** `udp`: BUTT's `-U` (its command server on UDP instead of TCP). */
export async function startButt(options: { udp?: boolean } = {}): Promise<ButtInstance> {
  const protocol = options.udp ? 'udp' : 'tcp';
  let rig: PulseRig | undefined;
  let xvfb: ChildProcess | undefined;
  let butt: ChildProcess | undefined;
  const stopAll = async (): Promise<void> => {
    await endByPid(butt);
    await endByPid(xvfb);
    await rig?.stop();
  };
  try {
    rig = await startPulseRig({ tone: null });
    xvfb = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '800x600x24'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    xvfb.on('error', () => undefined);
    let displayText = '';
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => (displayText += chunk.toString()));
    for (let i = 0; i < 200 && !displayText.includes('\n') && xvfb.exitCode === null; i++) await sleep(25);
    if (!displayText.includes('\n')) throw new Error('Xvfb did not report a display within 5 s');

    const port = await freePort(protocol);
    const home = join(rig.dir, 'home');
    let out = '';
    butt = spawn('butt', ['-c', join(home, 'buttrc'), '-p', String(port), ...(options.udp ? ['-U'] : [])], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', DISPLAY: `:${displayText.trim()}`, JACK_NO_START_SERVER: '1', ...rig.env, HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    butt.on('error', () => undefined);
    butt.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    butt.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const child = butt;
    for (let i = 0; i < 600 && !listening(port, protocol) && child.exitCode === null; i++) await sleep(25);
    if (!listening(port, protocol)) throw new Error(`BUTT opened no command port within 15 s (exit ${child.exitCode}): ${out.slice(-400)}`);
    return {
      port,
      pid: child.pid!,
      output: () => out,
      exited: () => child.exitCode !== null || child.signalCode !== null,
      waitForExit: async (ms) => {
        for (let waited = 0; waited < ms && child.exitCode === null && child.signalCode === null; waited += 25) await sleep(25);
        return child.exitCode !== null || child.signalCode !== null;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
