/**
 * A local Icecast 2.4 (Debian `icecast2`) for benchmarks, and a listener that counts what a
 * mount delivers (the proof that a source really streams at its bitrate).
 *
 * Icecast refuses to run as root: the config drops to the Debian `icecast2` user with
 * <changeowner>, so the temp dir (config, logs) is handed to that user. Loopback only, a free
 * port, stopped by pid (SIGTERM, then SIGKILL after 3 s).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get, type ClientRequest } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports';
import { sleep, within } from './procs';

export interface Icecast {
  port: number;
  pid: number;
  sourcePassword: string;
  /** The parsed `icestats` of /status-json.xsl, or undefined when it does not answer JSON. */
  status(): Promise<Record<string, unknown> | undefined>;
  /** Mount names (with the slash) that have a source connected now. */
  mounts(): Promise<string[]>;
  listen(mount: string): Listener;
  /** The error log, for a report when something did not work. */
  errorLog(): string;
  stop(): Promise<void>;
}

export interface Listener {
  /** Bytes received so far. */
  bytes(): number;
  /** Connected and receiving (HTTP 200). */
  ok(): boolean;
  error(): string | undefined;
  close(): void;
}

const ICECAST_USER = 'icecast2';
const ICECAST_GROUP = 'icecast';

function httpText(port: number, path: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
      response.on('error', () => resolve(undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

export async function startIcecast(): Promise<Icecast | string> {
  if (spawnSync('sh', ['-c', 'command -v icecast2'], { stdio: 'ignore' }).status !== 0) return 'icecast2 is not installed (Debian: icecast2)';
  const owner = spawnSync('id', ['-u', ICECAST_USER], { encoding: 'utf8' });
  if (owner.status !== 0) return `no ${ICECAST_USER} user (the Debian package creates it)`;
  const dir = mkdtempSync(join(tmpdir(), 'airtight-bench-icecast-'));
  mkdirSync(join(dir, 'log'));
  const port = await freePort('tcp');
  const sourcePassword = 'bench-source';
  writeFileSync(
    join(dir, 'icecast.xml'),
    `<icecast>
  <location>bench</location><admin>bench@localhost</admin>
  <limits><sources>4</sources><source-timeout>10</source-timeout><burst-size>0</burst-size></limits>
  <authentication><source-password>${sourcePassword}</source-password><admin-user>admin</admin-user><admin-password>bench-admin</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <mount type="default"><charset>UTF-8</charset></mount>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>${join(dir, 'log')}</logdir><webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>${ICECAST_USER}</user><group>${ICECAST_GROUP}</group></changeowner></security>
</icecast>
`,
  );
  chmodSync(dir, 0o755);
  spawnSync('chown', ['-R', `${ICECAST_USER}:${ICECAST_GROUP}`, dir]);
  const child: ChildProcess = spawn('icecast2', ['-c', join(dir, 'icecast.xml')], { stdio: 'ignore' });
  child.on('error', () => undefined);
  const errorLog = (): string => {
    try {
      return readFileSync(join(dir, 'log', 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      if ((await within(exited, 3000, 'timeout')) === 'timeout') {
        child.kill('SIGKILL');
        await within(exited, 3000, 'timeout');
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const status = async (): Promise<Record<string, unknown> | undefined> => {
    const text = await httpText(port, '/status-json.xsl');
    try {
      const parsed = JSON.parse(text ?? '') as { icestats?: Record<string, unknown> };
      return parsed.icestats;
    } catch {
      return undefined; // the first answers after a start are not valid JSON
    }
  };
  // Ready = status-json parses and names the server (bounded: 10 s).
  const end = performance.now() + 10_000;
  let ready = false;
  while (performance.now() < end && child.exitCode === null) {
    if ((await status())?.server_id) {
      ready = true;
      break;
    }
    await sleep(100);
  }
  if (!ready) {
    const log = errorLog().trim().split('\n').slice(-3).join(' | ');
    await stop();
    return `icecast2 did not become ready on port ${port}${log ? `: ${log}` : ''}`;
  }
  return {
    port,
    pid: child.pid!,
    sourcePassword,
    status,
    async mounts() {
      const stats = await status();
      const source = stats?.source;
      const list = Array.isArray(source) ? source : source ? [source] : [];
      return list.flatMap((s: { listenurl?: string }) => (s.listenurl ? [new URL(s.listenurl).pathname] : []));
    },
    listen: (mount) => listenTo(port, mount),
    errorLog,
    stop,
  };
}

function listenTo(port: number, mount: string): Listener {
  let bytes = 0;
  let ok = false;
  let error: string | undefined;
  const request: ClientRequest = get({ host: '127.0.0.1', port, path: mount }, (response) => {
    if (response.statusCode !== 200) {
      error = `HTTP ${response.statusCode}`;
      response.resume();
      return;
    }
    ok = true;
    response.on('data', (chunk: Buffer) => (bytes += chunk.length));
    response.on('error', (e) => (error = e.message));
  });
  request.on('error', (e) => (error = e.message));
  return {
    bytes: () => bytes,
    ok: () => ok && error === undefined,
    error: () => error,
    close: () => request.destroy(),
  };
}
