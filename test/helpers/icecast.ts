/**
 * A real Icecast 2.4 for tests: its own config in a temp dir, a free port, ready when
 * status-json.xsl parses with icestats.server_id, stopped by pid. Icecast refuses to run as
 * root, so the config hands it to the icecast2 user (the temp dir is made readable for it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface IcecastOptions {
  port?: number;
  sourcePassword?: string;
  adminPassword?: string;
  /** Icecast's limit on sources; beyond it a source gets 403 "too many sources". */
  maxSources?: number;
  /** Seconds without data before Icecast drops a source. */
  sourceTimeout?: number;
  /** Accept the Shoutcast v1 source protocol on port + 1 for this mount. */
  shoutcastMount?: string;
  /** PEM files: serve TLS on a second listen socket (Icecast's own ssl). */
  tls?: { port: number; pemPath: string };
}

export interface IcecastStatusSource {
  listenurl?: string;
  server_type?: string;
  title?: string;
  listeners?: number;
  [key: string]: unknown;
}

export class Icecast {
  process: ChildProcess | undefined;
  private exits: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly options: Required<Omit<IcecastOptions, 'tls' | 'port'>> & Pick<IcecastOptions, 'tls'>,
  ) {}

  static async start(options: IcecastOptions = {}): Promise<Icecast> {
    const dir = mkdtempSync(join(tmpdir(), 'airtight-icecast-'));
    const port = options.port ?? (await freePortPair());
    const full = {
      sourcePassword: options.sourcePassword ?? 'hackme',
      adminPassword: options.adminPassword ?? 'adminpw',
      maxSources: options.maxSources ?? 20,
      sourceTimeout: options.sourceTimeout ?? 10,
      shoutcastMount: options.shoutcastMount ?? '/sc.mp3',
      tls: options.tls,
    };
    const icecast = new Icecast(dir, port, full);
    icecast.writeConfig();
    await icecast.launch();
    return icecast;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  url(path = ''): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  private writeConfig(): void {
    const { sourcePassword, adminPassword, maxSources, sourceTimeout, shoutcastMount, tls } = this.options;
    mkdirSync(join(this.dir, 'log'), { recursive: true });
    const xml = `<icecast>
  <location>test</location><admin>test@example.invalid</admin><hostname>127.0.0.1</hostname>
  <limits><clients>100</clients><sources>${maxSources}</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout>
    <source-timeout>${sourceTimeout}</source-timeout><burst-size>65535</burst-size></limits>
  <authentication><source-password>${sourcePassword}</source-password>
    <relay-password>${sourcePassword}</relay-password>
    <admin-user>admin</admin-user><admin-password>${adminPassword}</admin-password></authentication>
  <listen-socket><port>${this.port}</port><bind-address>127.0.0.1</bind-address>
    <shoutcast-mount>${shoutcastMount}</shoutcast-mount></listen-socket>
  ${tls ? `<listen-socket><port>${tls.port}</port><bind-address>127.0.0.1</bind-address><ssl>1</ssl></listen-socket>` : ''}
  <mount type="default"><charset>UTF-8</charset></mount>
  <fileserve>1</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>${join(this.dir, 'log')}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
    ${tls ? `<ssl-certificate>${tls.pemPath}</ssl-certificate>` : ''}</paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>icecast2</user><group>icecast</group></changeowner></security>
</icecast>`;
    writeFileSync(join(this.dir, 'icecast.xml'), xml);
    for (const path of [this.dir, join(this.dir, 'log'), join(this.dir, 'icecast.xml'), ...(tls ? [tls.pemPath] : [])]) {
      chownSync(path, uid('icecast2'), gid('icecast'));
    }
    chmodSync(this.dir, 0o755);
  }

  /** (Re)starts the server on the same port and waits until it answers status-json. */
  async launch(): Promise<void> {
    const child = spawn('icecast2', ['-c', join(this.dir, 'icecast.xml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.process = child;
    this.exits = new Promise((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`icecast2 exited: ${stderr} ${this.errorLog()}`);
      if ((await this.status()) !== undefined) return;
      await sleep(25);
    }
    await this.stop();
    throw new Error(`icecast2 did not become ready on port ${this.port}: ${stderr} ${this.errorLog()}`);
  }

  /** icestats, or undefined while the server is not (yet) answering valid JSON. */
  async status(): Promise<{ server_id: string; source?: IcecastStatusSource | IcecastStatusSource[] } | undefined> {
    try {
      const response = await fetch(this.url('/status-json.xsl'), { signal: AbortSignal.timeout(1000) });
      const json = JSON.parse(await response.text()) as { icestats?: { server_id?: string } };
      return json.icestats?.server_id ? (json.icestats as { server_id: string }) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The mounts Icecast lists right now (status-json: object for one, array for several). */
  async mounts(): Promise<string[]> {
    const status = await this.status();
    const sources = status?.source === undefined ? [] : Array.isArray(status.source) ? status.source : [status.source];
    return sources.map((s) => new URL(String(s.listenurl)).pathname);
  }

  async waitForMount(mount: string, present: boolean, ms = 10_000): Promise<boolean> {
    for (let waited = 0; waited < ms; waited += 50) {
      if ((await this.mounts()).includes(mount) === present) return true;
      await sleep(50);
    }
    return false;
  }

  /** SIGKILL: the server vanishes without closing anything (a crash). */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child?.pid || child.exitCode !== null) return;
    process.kill(child.pid, 'SIGKILL');
    await this.exits;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 2000);
      await this.exits;
      clearTimeout(killer);
    }
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  errorLog(): string {
    try {
      return readFileSync(join(this.dir, 'log', 'error.log'), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }
}

/** Icecast's Shoutcast v1 source port is port + 1: both must be free. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort('tcp');
    if (port < 65535 && (await isFree(port + 1))) return port;
  }
  throw new Error('no free pair of TCP ports');
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}

function gid(group: string): number {
  return Number(execFileSync('getent', ['group', group]).toString().split(':')[2]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
