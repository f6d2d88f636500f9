/**
 * Titles and listener counts against a real Icecast 2.4: ffmpeg is the source client, our code
 * sends titles (/admin/metadata, and admin.cgi through Icecast's Shoutcast compatibility), and
 * we check what Icecast publishes (status-json) and what a listener receives (ICY metadata).
 * Icecast shows titles after a delay, so every check polls with a bound.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendIcecastTitle, type IcecastTarget } from '../../../main/engine/stream/metadata/icecast-title';
import { sendShoutcastTitle } from '../../../main/engine/stream/metadata/shoutcast-title';
import { TitleUpdater } from '../../../main/engine/stream/metadata/title-updater';
import { TitleFileSource } from '../../../main/engine/stream/metadata/title-file-source';
import { TitleUrlSource } from '../../../main/engine/stream/metadata/title-url-source';
import { fetchListenerCount } from '../../../main/engine/stream/metadata/listener-count';
import { ListenerPoller } from '../../../main/engine/stream/metadata/listener-poller';
import { freePort } from '../../helpers/ports';
import {
  ADMIN_PASSWORD,
  IcyListener,
  SHOUTCAST_MOUNT,
  SOURCE_PASSWORD,
  mountStatus,
  pollUntil,
  startFfmpegSource,
  startShoutcastV1Source,
  startIcecast,
  stopChild,
  type IcecastRig,
} from './icecast-rig';

const UNICODE = 'Café — Ünïcödé ♫';

let rig: IcecastRig;
const sources: ChildProcess[] = [];
let shoutcastSource: { stop(): Promise<void> } | undefined;
let target: IcecastTarget;
let tempDir: string;

/** Polls status-json until the mount's title equals `title` (Icecast updates it late). */
async function statusTitleBecomes(mount: string, title: string): Promise<string | undefined> {
  let last: string | undefined;
  await pollUntil(
    async () => {
      last = (await mountStatus(rig.port, mount))?.title;
      return last === title ? true : undefined;
    },
    60,
    100,
  );
  return last;
}

/** Waits (bounded) until the listener has seen `title` in its ICY metadata. */
async function icyTitleBecomes(listener: IcyListener, title: string): Promise<string | undefined> {
  await pollUntil(async () => (listener.titles.includes(title) ? true : undefined), 80, 100);
  return listener.lastTitle;
}

beforeAll(async () => {
  rig = await startIcecast();
  tempDir = mkdtempSync(join(tmpdir(), 'airtight-titles-'));
  sources.push(await startFfmpegSource(rig.port, '/live.mp3'));
  shoutcastSource = await startShoutcastV1Source(rig.port);
  target = { host: '127.0.0.1', port: rig.port, mount: '/live.mp3', user: 'source', password: SOURCE_PASSWORD };
});

afterAll(async () => {
  for (const source of sources) await stopChild(source);
  await shoutcastSource?.stop();
  await rig?.stop();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

describe('Icecast /admin/metadata', () => {
  it('a non-ASCII title reaches status-json and a listener\'s ICY metadata intact', async () => {
    const listener = new IcyListener(rig.port, '/live.mp3');
    try {
      const result = await sendIcecastTitle(target, UNICODE);
      expect(result).toEqual({ ok: true });
      expect(await statusTitleBecomes('/live.mp3', UNICODE)).toBe(UNICODE);
      expect(await icyTitleBecomes(listener, UNICODE)).toBe(UNICODE);
    } finally {
      listener.close();
    }
  });

  it('an admin user may send titles too; characters that mean something in a URL survive', async () => {
    const title = "Rock & Roll = 100% 'live' + more?#1";
    const result = await sendIcecastTitle({ ...target, user: 'admin', password: ADMIN_PASSWORD }, title);
    expect(result).toEqual({ ok: true });
    expect(await statusTitleBecomes('/live.mp3', title)).toBe(title);
  });

  it('a wrong password and a missing mount are distinct errors', async () => {
    const wrong = await sendIcecastTitle({ ...target, password: 'wrong' }, 'x');
    expect(wrong.ok ? 'ok' : wrong.error.code).toBe('TITLE_AUTH_FAILED');
    const missing = await sendIcecastTitle({ ...target, mount: '/nothing.mp3' }, 'x');
    expect(missing.ok ? 'ok' : missing.error.code).toBe('TITLE_MOUNT_NOT_FOUND');
    const refused = await sendIcecastTitle({ ...target, port: await freePort('tcp') }, 'x');
    expect(refused.ok ? 'ok' : refused.error.code).toBe('TITLE_HTTP_REFUSED');
  });
});

describe('Shoutcast admin.cgi (through Icecast\'s Shoutcast compatibility on its shoutcast-mount)', () => {
  it('sets the title with UTF-8 intact, and a wrong password is refused', async () => {
    const sc = { host: '127.0.0.1', port: rig.port, password: SOURCE_PASSWORD };
    expect(await sendShoutcastTitle(sc, `SC ${UNICODE}`)).toEqual({ ok: true });
    expect(await statusTitleBecomes(SHOUTCAST_MOUNT, `SC ${UNICODE}`)).toBe(`SC ${UNICODE}`);
    const wrong = await sendShoutcastTitle({ ...sc, password: 'wrong' }, 'x');
    expect(wrong.ok ? 'ok' : wrong.error.code).toBe('TITLE_AUTH_FAILED');
  });
});

describe('title sources through the updater to Icecast', () => {
  it('a title file (last line, BOM, CRLF) with a delay: only the newest title is sent', async () => {
    const path = join(tempDir, 'song.txt');
    const sent: string[] = [];
    const updater = new TitleUpdater({
      delayMs: 400,
      prefix: 'Now: ',
      suffix: ' ♪',
      send: (title, signal) => sendIcecastTitle(target, title, { signal }),
      onResult: (title, result) => {
        if (result.ok) sent.push(title);
      },
    });
    const titles: string[] = [];
    const file = new TitleFileSource({ path, pick: 'last', intervalMs: 50, onTitle: (t) => (titles.push(t), updater.submit(t)) });
    const listener = new IcyListener(rig.port, '/live.mp3');
    try {
      writeFileSync(path, '\uFEFFOld one\r\nFirst title\r\n');
      await file.poll();
      writeFileSync(path, '\uFEFFOld one\r\nSecond title\r\n\r\n');
      await file.poll();
      // Both titles were read, the first was still waiting out its delay when the second came.
      expect(titles).toEqual(['First title', 'Second title']);
      await updater.idle();
      expect(sent).toEqual(['Now: Second title ♪']);
      expect(await statusTitleBecomes('/live.mp3', 'Now: Second title ♪')).toBe('Now: Second title ♪');
      expect(await icyTitleBecomes(listener, 'Now: Second title ♪')).toBe('Now: Second title ♪');
      expect(listener.titles).not.toContain('Now: First title ♪');
    } finally {
      listener.close();
      file.stop();
      updater.stop();
    }
  });

  it('a title URL: its first line becomes the title', async () => {
    let body = `${UNICODE} (from URL)\nsecond line\n`;
    const server: Server = createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/now-playing`;
    const updater = new TitleUpdater({ send: (title, signal) => sendIcecastTitle(target, title, { signal }) });
    const source = new TitleUrlSource({ url, onTitle: (t) => updater.submit(t) });
    try {
      await source.poll();
      await updater.idle();
      expect(updater.current).toBe(`${UNICODE} (from URL)`);
      expect(await statusTitleBecomes('/live.mp3', `${UNICODE} (from URL)`)).toBe(`${UNICODE} (from URL)`);
      body = '';
      await source.poll();
      await updater.idle();
      expect(updater.current).toBe('');
    } finally {
      source.stop();
      updater.stop();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('listener counts', () => {
  it('follow the listeners connected: 0, then 2 (status-json with several mounts, /admin/stats, the poller)', async () => {
    const json = { kind: 'icecast-json' as const, baseUrl: `http://127.0.0.1:${rig.port}`, mount: '/live.mp3' };
    const admin = { kind: 'icecast-admin-stats' as const, baseUrl: `http://127.0.0.1:${rig.port}`, mount: 'live.mp3', user: 'admin', password: ADMIN_PASSWORD };
    // Two mounts are up, so icestats.source is an array here (the object case is a unit test).
    const before = await pollUntil(async () => {
      const r = await fetchListenerCount(json);
      return r.ok && r.listeners === 0 ? r : undefined;
    }, 50, 100);
    expect(before).toEqual({ ok: true, listeners: 0 });

    const listeners = [new IcyListener(rig.port, '/live.mp3', false), new IcyListener(rig.port, '/live.mp3', true)];
    const seen: (number | null)[] = [];
    const poller = new ListenerPoller({ sources: [json], intervalMs: 100, onCount: (n) => seen.push(n) });
    try {
      poller.start();
      await pollUntil(async () => (seen.includes(2) ? true : undefined), 100, 100);
      expect(seen).toContain(2);
      expect(await fetchListenerCount(admin)).toEqual({ ok: true, listeners: 2 });
      const wrongAdmin = await fetchListenerCount({ ...admin, password: 'wrong' });
      expect(wrongAdmin.ok ? 'ok' : wrongAdmin.error.code).toBe('LISTENERS_AUTH_FAILED');
      const other = await fetchListenerCount({ ...json, mount: SHOUTCAST_MOUNT });
      expect(other).toEqual({ ok: true, listeners: 0 });
    } finally {
      poller.stop();
      for (const l of listeners) l.close();
    }
  });

  it('a custom listener URL answering a number; a broken one backs the poller off', async () => {
    let answer = '7\n';
    const server: Server = createServer((_req, res) => res.end(answer));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/listeners`;
    try {
      expect(await fetchListenerCount({ kind: 'custom', url })).toEqual({ ok: true, listeners: 7 });
      answer = 'offline';
      const poller = new ListenerPoller({ sources: [{ kind: 'custom', url }], intervalMs: 1000, maxBackoffMs: 8000, onCount: () => undefined });
      const delays = [await poller.pollOnce(), await poller.pollOnce(), await poller.pollOnce(), await poller.pollOnce()];
      expect(delays).toEqual([2000, 4000, 8000, 8000]);
      answer = '3';
      expect(await poller.pollOnce()).toBe(1000);
      poller.stop();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
