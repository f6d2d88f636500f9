/**
 * A minimal real Icecast 2.4 for the metadata tests (used until test/helpers/icecast.ts exists):
 * free port, temp dir owned by the icecast2 user (Icecast refuses to run as root), stopped by
 * pid. Also an ffmpeg source feeding a mount, and a raw-socket ICY listener.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports';

export const SOURCE_PASSWORD = 'src-pw';
export const ADMIN_PASSWORD = 'adm-pw';

export interface IcecastRig {
  port: number;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  return { uid, gid };
}

/** Waits until `check` returns a value, polling every `everyMs`, at most `tries` times. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, tries: number, everyMs: number): Promise<T | undefined> {
  for (let i = 0; i < tries; i++) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}

/** The mount Icecast's Shoutcast compatibility (admin.cgi, the v1 source port) works on. */
export const SHOUTCAST_MOUNT = '/sc.mp3';

/** Tries a few ports: the Shoutcast source port (port + 1) may be taken by someone else. */
export async function startIcecast(): Promise<IcecastRig> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startIcecastOnce(await freePort('tcp'));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startIcecastOnce(port: number): Promise<IcecastRig> {
  const dir = mkdtempSync(join(tmpdir(), 'airtight-icecast-'));
  const logDir = join(dir, 'log');
  mkdirSync(logDir);
  const config = `<icecast>
  <location>test</location><admin>test@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>50</clients><sources>10</sources><source-timeout>5</source-timeout><burst-size>0</burst-size></limits>
  <authentication>
    <source-password>${SOURCE_PASSWORD}</source-password>
    <relay-password>${SOURCE_PASSWORD}</relay-password>
    <admin-user>admin</admin-user><admin-password>${ADMIN_PASSWORD}</admin-password>
  </authentication>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address><shoutcast-mount>${SHOUTCAST_MOUNT}</shoutcast-mount></listen-socket>
  <mount type="default"><charset>UTF-8</charset></mount>
  <fileserve>1</fileserve>
  <paths>
    <basedir>${dir}</basedir><logdir>${logDir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>icecast2</user><group>icecast</group></changeowner></security>
</icecast>`;
  const configPath = join(dir, 'icecast.xml');
  writeFileSync(configPath, config);
  const { uid, gid } = userIds('icecast2');
  for (const path of [dir, logDir, configPath]) chownSync(path, uid, gid);
  chmodSync(dir, 0o755);

  const child = spawn('icecast2', ['-c', configPath], { stdio: 'ignore' });
  const rig: IcecastRig = {
    port,
    dir,
    pid: child.pid!,
    stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })),
  };
  // Ready = status-json parses and names the server (the first answers are not valid JSON).
  const ready = await pollUntil(
    async () => {
      if (child.exitCode !== null) return false;
      const res = await fetch(`http://127.0.0.1:${port}/status-json.xsl`);
      const json = (await res.json()) as { icestats?: { server_id?: string } };
      return json.icestats?.server_id ? true : undefined;
    },
    100,
    100,
  );
  if (ready !== true) {
    await rig.stop();
    throw new Error(`icecast2 did not become ready on port ${port}`);
  }
  return rig;
}

/** SIGTERM by pid, SIGKILL after 2 s; resolves once the process has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

export type CodecChoice = 'mp3' | 'vorbis';

/** ffmpeg as the source client: a 997 Hz tone sent in real time to `mount`. */
export async function startFfmpegSource(port: number, mount: string, codec: CodecChoice = 'mp3'): Promise<ChildProcess> {
  const codecArgs = codec === 'mp3'
    ? ['-c:a', 'libmp3lame', '-b:a', '128k', '-content_type', 'audio/mpeg', '-f', 'mp3']
    : ['-c:a', 'libvorbis', '-content_type', 'audio/ogg', '-f', 'ogg'];
  const child = spawn(
    'ffmpeg',
    ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=997:sample_rate=44100', ...codecArgs, `icecast://source:${SOURCE_PASSWORD}@127.0.0.1:${port}${mount}`],
    { stdio: 'ignore' },
  );
  const up = await pollUntil(async () => ((await mountStatus(port, mount)) ? true : undefined), 100, 100);
  if (!up) {
    await stopChild(child);
    throw new Error(`ffmpeg did not bring up ${mount}`);
  }
  return child;
}

type SourceEntry = { listenurl?: string; title?: string; listeners?: number };

/** The status-json entry for `mount` (handles the object-or-array quirk). */
export async function mountStatus(port: number, mount: string): Promise<SourceEntry | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/status-json.xsl`);
  const json = (await res.json()) as { icestats?: { source?: SourceEntry | SourceEntry[] } };
  const source = json.icestats?.source;
  const list = source === undefined ? [] : Array.isArray(source) ? source : [source];
  return list.find((s) => s.listenurl?.endsWith(mount));
}

/**
 * A listener on a raw socket asking for ICY metadata. Collects every StreamTitle it sees,
 * decoding the metadata block as UTF-8.
 */
export class IcyListener {
  readonly titles: string[] = [];
  private socket: Socket;
  private head = Buffer.alloc(0);
  private metaint = 0;
  private untilMeta = 0;
  private metaLeft = -1;
  private meta: Buffer[] = [];
  closed = false;

  constructor(port: number, mount: string, icy = true) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('connect', () => {
      this.socket.write(`GET ${mount} HTTP/1.0\r\nHost: 127.0.0.1\r\n${icy ? 'Icy-MetaData: 1\r\n' : ''}User-Agent: airtight-test\r\n\r\n`);
    });
    this.socket.on('data', (data) => this.onData(data));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  private onData(data: Buffer): void {
    let bytes = data;
    if (this.metaint === 0) {
      this.head = Buffer.concat([this.head, bytes]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const match = /icy-metaint:\s*(\d+)/i.exec(this.head.subarray(0, end).toString('latin1'));
      this.metaint = match ? Number(match[1]) : -1;
      this.untilMeta = this.metaint;
      bytes = this.head.subarray(end + 4);
    }
    if (this.metaint < 0) return;
    let at = 0;
    while (at < bytes.length) {
      if (this.metaLeft < 0 && this.untilMeta > 0) {
        const skip = Math.min(this.untilMeta, bytes.length - at);
        at += skip;
        this.untilMeta -= skip;
      } else if (this.metaLeft < 0) {
        this.metaLeft = bytes[at]! * 16;
        at++;
        if (this.metaLeft === 0) {
          this.metaLeft = -1;
          this.untilMeta = this.metaint;
        }
      } else {
        const take = Math.min(this.metaLeft, bytes.length - at);
        this.meta.push(bytes.subarray(at, at + take));
        at += take;
        this.metaLeft -= take;
        if (this.metaLeft === 0) {
          const text = Buffer.concat(this.meta).toString('utf8').replace(/\0+$/, '');
          const title = /StreamTitle='(.*?)';/s.exec(text);
          if (title) this.titles.push(title[1]!);
          this.meta = [];
          this.metaLeft = -1;
          this.untilMeta = this.metaint;
        }
      }
    }
  }

  get lastTitle(): string | undefined {
    return this.titles[this.titles.length - 1];
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * A Shoutcast v1 source on Icecast's port + 1 (password line, `OK2`, icy headers), fed by ffmpeg
 * writing MP3 to stdout. Icecast only takes admin.cgi titles for a source that came this way.
 */
export async function startShoutcastV1Source(port: number): Promise<{ stop(): Promise<void> }> {
  const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=997:sample_rate=44100', '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3', '-'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const socket = connect(port + 1, '127.0.0.1');
  const stop = async (): Promise<void> => {
    socket.destroy();
    await stopChild(ffmpeg);
  };
  socket.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => socket.write(`${SOURCE_PASSWORD}\r\n`));
      socket.once('data', (data: Buffer) => (data.toString('latin1').startsWith('OK') ? resolve() : reject(new Error(`Shoutcast source refused: ${data.toString()}`))));
      socket.once('close', () => reject(new Error('Shoutcast source port closed')));
    });
    socket.write('icy-name:test\r\nicy-genre:test\r\nicy-pub:0\r\nicy-br:128\r\ncontent-type:audio/mpeg\r\n\r\n');
    ffmpeg.stdout.pipe(socket);
    const up = await pollUntil(async () => ((await mountStatus(port, SHOUTCAST_MOUNT)) ? true : undefined), 100, 100);
    if (!up) throw new Error('the Shoutcast v1 source did not bring up its mount');
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
