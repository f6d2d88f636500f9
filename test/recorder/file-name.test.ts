import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  previewRecordingPath,
  resolveRecordingPath,
  resolveRecordingPathAsync,
  safeForFileName,
  withIndex,
  type FileNameContext,
} from '../../main/engine/recorder/file-name';
import { makeTempDir } from './helpers';

const TOKENS = ['a', 'A', 'b', 'B', 'd', 'H', 'I', 'j', 'm', 'M', 'p', 'S', 'U', 'w', 'W', 'y', 'Y', 'Z'];

/** GNU date (C locale) is the reference strftime. */
function gnuDate(iso: string, zone: string, token: string): string {
  return execFileSync('date', ['-d', iso, `+%${token}`], { env: { ...process.env, TZ: zone, LC_ALL: 'C' }, encoding: 'utf8' }).trim();
}

function expandOne(token: string, date: Date, zone: string): string {
  const result = resolveRecordingPath({ folder: '', fileName: `%${token}` }, { date, extension: 'wav', timeZone: zone }, () => false);
  if (!result.ok) throw new Error(result.error.message);
  return result.path.replace(/\.wav$/, '');
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
});

function tempDir(): string {
  const temp = makeTempDir('names');
  cleanups.push(temp.remove);
  return temp.dir;
}

describe('recording file names', () => {
  // Dates chosen for week-number edges: a Sunday on Jan 7, Jan 1 on a Sunday/Monday, a leap
  // year's last day, midnight and noon (for %I/%p).
  const cases: [string, string][] = [
    ['2024-01-07T13:05:09Z', 'UTC'],
    ['2023-01-01T00:00:00Z', 'UTC'],
    ['2024-12-31T12:59:59Z', 'UTC'],
    ['2018-01-01T23:30:00Z', 'UTC'],
    ['2024-07-04T03:02:01Z', 'America/New_York'],
    ['2025-03-09T11:00:00Z', 'Asia/Kolkata'],
  ];
  for (const [iso, zone] of cases) {
    it(`every strftime token matches GNU date for ${iso} in ${zone}`, () => {
      const date = new Date(iso);
      for (const token of TOKENS) {
        // %Z's abbreviation comes from ICU vs tzdata: they agree for UTC and US zones only.
        if (token === 'Z' && zone === 'Asia/Kolkata') continue;
        expect(`%${token}=${expandOne(token, date, zone)}`).toBe(`%${token}=${gnuDate(iso, zone, token)}`);
      }
    });
  }

  it("expands BUTT's default name with the codec's extension", () => {
    const context: FileNameContext = { date: new Date('2024-01-07T13:05:09Z'), extension: 'flac', timeZone: 'UTC' };
    const result = resolveRecordingPath({ folder: '/rec', fileName: 'rec_%Y%m%d-%H%M%S.mp3' }, context, () => false);
    expect(result).toEqual({ ok: true, path: '/rec/rec_20240107-130509.flac' });
    const kept = resolveRecordingPath({ folder: '/rec', fileName: 'show.2024' }, context, () => false);
    expect(kept).toEqual({ ok: true, path: '/rec/show.2024.flac' });
    const literal = resolveRecordingPath({ folder: '/rec', fileName: '100%%_live' }, context, () => false);
    expect(literal).toEqual({ ok: true, path: '/rec/100%_live.flac' });
  });

  it('%N is the server name, made safe for a file name', () => {
    const context = { date: new Date('2024-01-07T13:05:09Z'), extension: 'mp3', timeZone: 'UTC' };
    const result = resolveRecordingPath({ folder: '/rec', fileName: '%N_%H' }, { ...context, serverName: 'Radio: One/Two? <hd>' }, () => false);
    expect(result).toEqual({ ok: true, path: '/rec/Radio_ One_Two_ _hd__13.mp3' });
    expect(safeForFileName('..')).toBe('unnamed');
    expect(safeForFileName('a\u0001b')).toBe('a_b');
    const none = resolveRecordingPath({ folder: '/rec', fileName: '%N' }, context, () => false);
    expect(none).toEqual({ ok: true, path: '/rec/unnamed.mp3' });
  });

  it('%i picks the first index whose whole path does not exist', async () => {
    const dir = tempDir();
    for (const taken of ['take_1.wav', 'take_2.wav', 'take_4.wav']) writeFileSync(join(dir, taken), '');
    const context = { date: new Date(), extension: 'wav' };
    expect(resolveRecordingPath({ folder: dir, fileName: 'take_%i' }, context)).toEqual({ ok: true, path: join(dir, 'take_3.wav') });
    expect(await resolveRecordingPathAsync({ folder: dir, fileName: 'take_%i' }, context)).toEqual({ ok: true, path: join(dir, 'take_3.wav') });
    // %i in the folder: folder 1 exists but holds no such file, so 1 is free.
    mkdirSync(join(dir, 'show1'));
    expect(resolveRecordingPath({ folder: join(dir, 'show%i'), fileName: 'rec' }, context)).toEqual({ ok: true, path: join(dir, 'show1', 'rec.wav') });
    writeFileSync(join(dir, 'show1', 'rec.wav'), '');
    expect(resolveRecordingPath({ folder: join(dir, 'show%i'), fileName: 'rec' }, context)).toEqual({ ok: true, path: join(dir, 'show2', 'rec.wav') });
    // The "new index" policy adds an index to a name without one.
    expect(withIndex({ folder: dir, fileName: 'rec.mp3' })).toEqual({ folder: dir, fileName: 'rec-%i' });
  });

  it('expands ~ and tokens in the folder; the preview writes nothing', () => {
    const home = tempDir();
    const template = { folder: '~/recordings/%Y/%m-%b', fileName: 'rec_%d' };
    const context = { date: new Date('2024-02-29T10:00:00Z'), extension: 'ogg', timeZone: 'UTC', homeDir: home };
    const preview = previewRecordingPath(template, context);
    expect(preview).toEqual({ ok: true, path: join(home, 'recordings', '2024', '02-Feb', 'rec_29.ogg') });
    expect(existsSync(join(home, 'recordings'))).toBe(false);
    // Only a leading ~ (alone or followed by a separator) is the home folder.
    expect(resolveRecordingPath({ folder: '/x/~/y', fileName: 'r' }, context, () => false)).toEqual({ ok: true, path: '/x/~/y/r.ogg' });
    expect(resolveRecordingPath({ folder: '~', fileName: 'r' }, context, () => false)).toEqual({ ok: true, path: join(home, 'r.ogg') });
  });

  it('refuses %c %x %X, unknown tokens and a lone %, saying why', () => {
    const context = { date: new Date(), extension: 'mp3' };
    for (const token of ['c', 'x', 'X']) {
      const result = resolveRecordingPath({ folder: '/rec', fileName: `rec_%${token}` }, context, () => false);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe('RECORDER_FILE_NAME');
      expect(result.error.message).toContain(`%${token}`);
      expect(result.error.message).toContain('cannot be part of a file name');
    }
    const inFolder = resolveRecordingPath({ folder: '/rec/%x', fileName: 'rec' }, context, () => false);
    expect(inFolder.ok).toBe(false);
    const unknown = resolveRecordingPath({ folder: '/rec', fileName: 'rec_%q' }, context, () => false);
    expect(unknown.ok ? '' : unknown.error.message).toContain('%q');
    const lone = resolveRecordingPath({ folder: '/rec', fileName: 'rec_%' }, context, () => false);
    expect(lone.ok ? '' : lone.error.message).toContain('lone "%"');
  });
});
