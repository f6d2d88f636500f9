/**
 * The title file source (real files in a temp dir: first/last line, BOM/CRLF, empty clears,
 * change detection, missing file) and the updater's ordering (a newer title replaces a pending
 * one; one send in flight; newest wins). No timing assertions: only what was sent, in order.
 */
import { mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppError } from '../../../main/shared/errors';
import { appError } from '../../../main/shared/errors';
import { TitleFileSource } from '../../../main/engine/stream/metadata/title-file-source';
import { TitleUpdater, MAX_TITLE_DELAY_MS } from '../../../main/engine/stream/metadata/title-updater';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airtight-titlefile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function watcher(path: string, pick: 'first' | 'last') {
  const titles: string[] = [];
  const warnings: AppError[] = [];
  const source = new TitleFileSource({ path, pick, onTitle: (t) => titles.push(t), onWarning: (w) => warnings.push(w) });
  return { source, titles, warnings };
}

describe('title file', () => {
  it('first line and last line, BOM and CRLF stripped', async () => {
    const path = join(dir, 'np.txt');
    writeFileSync(path, '\uFEFFFirst song\r\nSecond song\r\nThird song\r\n');
    const first = watcher(path, 'first');
    const last = watcher(path, 'last');
    await first.source.poll();
    await last.source.poll();
    expect(first.titles).toEqual(['First song']);
    expect(last.titles).toEqual(['Third song']);
  });

  it('reports only changes, catches a rewrite with the same mtime and size, and an empty file clears', async () => {
    const path = join(dir, 'np.txt');
    writeFileSync(path, 'Song A\n');
    const w = watcher(path, 'last');
    await w.source.poll();
    await w.source.poll(); // unchanged: nothing new
    const { mtime } = statSync(path);
    writeFileSync(path, 'Song B\n'); // same size
    utimesSync(path, mtime, mtime); // and the same mtime
    await w.source.poll();
    writeFileSync(path, 'Song B\n\n'); // other bytes, same last line: no new title
    await w.source.poll();
    writeFileSync(path, '');
    await w.source.poll();
    expect(w.titles).toEqual(['Song A', 'Song B', '']);
  });

  it('a missing file is one readable warning; the title comes when the file does', async () => {
    const path = join(dir, 'later.txt');
    const w = watcher(path, 'first');
    await w.source.poll();
    await w.source.poll();
    expect(w.warnings.map((x) => x.code)).toEqual(['TITLE_FILE_MISSING']);
    expect(w.warnings[0]!.message).toContain(path);
    writeFileSync(path, 'Arrived\n');
    await w.source.poll();
    unlinkSync(path);
    await w.source.poll();
    expect(w.titles).toEqual(['Arrived']);
    expect(w.warnings.map((x) => x.code)).toEqual(['TITLE_FILE_MISSING', 'TITLE_FILE_MISSING']);
    const dirAsFile = watcher(dir, 'first');
    await dirAsFile.source.poll();
    expect(dirAsFile.warnings.map((x) => x.code)).toEqual(['TITLE_FILE_NOT_A_FILE']);
  });

  it('a big file: the last line is read from its end', async () => {
    const path = join(dir, 'log.txt');
    writeFileSync(path, `${'older line\n'.repeat(20000)}Newest\n`);
    const w = watcher(path, 'last');
    await w.source.poll();
    expect(w.titles).toEqual(['Newest']);
    const f = watcher(path, 'first');
    await f.source.poll();
    expect(f.titles).toEqual(['older line']);
  });

  it('start() polls by itself and stop() ends it', async () => {
    const path = join(dir, 'np.txt');
    writeFileSync(path, 'One\n');
    const titles: string[] = [];
    const source = new TitleFileSource({ path, pick: 'first', intervalMs: 20, onTitle: (t) => titles.push(t) });
    source.start();
    for (let i = 0; i < 100 && titles.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(path, 'Two\n');
    for (let i = 0; i < 100 && titles.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    source.stop();
    expect(source.running).toBe(false);
    expect(titles).toEqual(['One', 'Two']);
  });
});

describe('title updater', () => {
  it('a newer title replaces one waiting out its delay', async () => {
    const sent: string[] = [];
    const updater = new TitleUpdater({ delayMs: 200, prefix: '» ', send: async (t) => (sent.push(t), { ok: true }) });
    updater.submit('A');
    updater.submit('B');
    expect(updater.pending).toBe('» B');
    expect(sent).toEqual([]); // the delay holds it back
    await updater.idle();
    updater.submit('C');
    await updater.idle();
    expect(sent).toEqual(['» B', '» C']);
    expect(updater.current).toBe('» C');
  });

  it('one send in flight; titles arriving meanwhile collapse to the newest', async () => {
    const sent: string[] = [];
    let release: () => void = () => undefined;
    const updater = new TitleUpdater({
      send: (t) => {
        sent.push(t);
        return t === 'first' ? new Promise((r) => (release = () => r({ ok: true }))) : Promise.resolve({ ok: true });
      },
    });
    updater.submit('first');
    updater.submit('second');
    updater.submit('third');
    expect(sent).toEqual(['first']);
    release();
    await updater.idle();
    expect(sent).toEqual(['first', 'third']);
  });

  it('failures are reported and do not become current; a throwing sender becomes an error value', async () => {
    const results: string[] = [];
    const updater = new TitleUpdater({
      send: async (t) => {
        if (t === 'boom') throw new Error('socket exploded');
        return t === 'bad' ? { ok: false, error: appError('TITLE_AUTH_FAILED', 'wrong password') } : { ok: true };
      },
      onResult: (t, r) => results.push(`${t}:${r.ok ? 'ok' : r.error.code}`),
    });
    updater.submit('good');
    await updater.idle();
    updater.submit('bad');
    await updater.idle();
    updater.submit('boom');
    await updater.idle();
    expect(results).toEqual(['good:ok', 'bad:TITLE_AUTH_FAILED', 'boom:TITLE_SEND_FAILED']);
    expect(updater.current).toBe('good');
  });

  it('the delay is clamped to 0..20 s and stop() drops what is pending', async () => {
    const sent: string[] = [];
    const updater = new TitleUpdater({ delayMs: 99_000, send: async (t) => (sent.push(t), { ok: true }) });
    expect(updater.delay).toBe(MAX_TITLE_DELAY_MS);
    updater.setDelay(-5);
    expect(updater.delay).toBe(0);
    updater.setDelay(60_000);
    updater.submit('late');
    expect(updater.pending).toBe('late');
    updater.stop();
    expect(updater.pending).toBeUndefined();
    updater.submit('after stop');
    await updater.idle();
    expect(sent).toEqual([]);
  });
});
