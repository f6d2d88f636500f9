/**
 * A real Liquidsoap (2.1) harbor for tests: one or more mounts on a free port, the decoded audio written
 * as raw s16le stereo 44.1 kHz to a file (Liquidsoap's own decoders do the listening). Ready when
 * the harbor port accepts a connection; stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { sleep } from './icecast';

export interface LiquidsoapOptions {
  /** One harbor input per mount, each decoded to its own file. */
  mounts?: string[];
  password?: string;
  user?: string;
  /** Harbor's icy (Shoutcast v1) source protocol on port + 1. */
  icy?: boolean;
}

export const LIQUIDSOAP_RATE = 44100;

export class Liquidsoap {
  private exits: Promise<void> = Promise.resolve();
  private output = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly process: ChildProcess,
  ) {}

  static async start(options: LiquidsoapOptions = {}): Promise<Liquidsoap> {
    const dir = mkdtempSync(join(tmpdir(), 'airtight-liquidsoap-'));
    const port = await freePort('tcp');
    const mounts = (options.mounts ?? ['live']).map((m) => m.replace(/^\//, ''));
    const inputs = mounts
      .map(
        (mount, i) => `
s${i} = input.harbor(${JSON.stringify(mount)}, port=${port}, user=${JSON.stringify(options.user ?? 'source')}, password=${JSON.stringify(options.password ?? 'hackme')}, buffer=0.5, max=5.${options.icy ? ', icy=true' : ''})
output.file(%wav(header=false, stereo=true, samplerate=${LIQUIDSOAP_RATE}), ${JSON.stringify(join(dir, `${mount}.raw`))}, fallible=true, s${i})`,
      )
      .join('\n');
    const script = `
settings.init.allow_root.set(true)
settings.harbor.bind_addrs.set(["127.0.0.1"])
settings.log.stdout.set(true)
settings.log.file.set(false)
settings.log.level.set(3)
${inputs}
`;
    writeFileSync(join(dir, 'harbor.liq'), script);
    const child = spawn('liquidsoap', [join(dir, 'harbor.liq')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const liquidsoap = new Liquidsoap(dir, port, child);
    child.stdout?.on('data', (d: Buffer) => (liquidsoap.output = (liquidsoap.output + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (liquidsoap.output = (liquidsoap.output + d.toString()).slice(-20_000)));
    liquidsoap.exits = new Promise((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 400; i++) {
      if (child.exitCode !== null) throw new Error(`liquidsoap exited: ${liquidsoap.output}`);
      if (await accepts(port)) return liquidsoap;
      await sleep(50);
    }
    await liquidsoap.stop();
    throw new Error(`liquidsoap did not open its harbor: ${liquidsoap.output}`);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get log(): string {
    return this.output;
  }

  /** Bytes of decoded audio written so far for a mount. */
  decodedBytes(mount: string): number {
    const path = join(this.dir, `${mount.replace(/^\//, '')}.raw`);
    return existsSync(path) ? statSync(path).size : 0;
  }

  /** The decoded audio of a mount as interleaved float stereo. */
  decoded(mount: string): Float32Array {
    const path = join(this.dir, `${mount.replace(/^\//, '')}.raw`);
    if (!existsSync(path)) return new Float32Array(0);
    const raw = readFileSync(path);
    const samples = new Float32Array(Math.floor(raw.length / 2));
    for (let i = 0; i < samples.length; i++) samples[i] = raw.readInt16LE(i * 2) / 32768;
    return samples;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 3000);
      await this.exits;
      clearTimeout(killer);
    }
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
