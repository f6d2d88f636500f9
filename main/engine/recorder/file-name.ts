/**
 * Recording file names with BUTT's semantics: strftime tokens (except the locale-dependent
 * %c %x %X, whose slashes and colons break paths), %N for the server name, %i for the first
 * free index, tokens in the folder too, a leading ~ for the home folder, and an extension that
 * follows the codec. Resolving a name only reads the file system (to find a free %i), so the
 * settings screen can preview exactly what the recorder will use.
 */
import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { appError, type AppError } from '../../shared/errors';

export interface FileNameTemplate {
  /** Folder, may hold tokens and a leading `~`. */
  folder: string;
  /** File name, e.g. BUTT's default `rec_%Y%m%d-%H%M%S.mp3`; its extension follows the codec. */
  fileName: string;
}

export interface FileNameContext {
  /** The moment the name stands for (recording start, or the split). */
  date: Date;
  /** Extension of the recording codec, without a dot (`Encoder.extension`). */
  extension: string;
  /** Stream server name for %N. */
  serverName?: string;
  /** IANA time zone for the date tokens; the machine's own zone when absent. */
  timeZone?: string;
  /** Home folder for `~`; the user's home when absent. */
  homeDir?: string;
}

export type NameResult = { ok: true; path: string } | { ok: false; error: AppError };

/** The highest %i tried before giving up: a bound, not a limit anyone should reach. */
export const MAX_INDEX = 99_999;

const SUPPORTED = 'a A b B d H I j m M p S U w W y Y Z N i %';
const REFUSED: Record<string, string> = {
  c: 'date and time',
  x: 'date',
  X: 'time',
};
/** Extensions a template may carry that get replaced by the codec's own. */
const AUDIO_EXTENSIONS = new Set(['mp3', 'ogg', 'oga', 'opus', 'flac', 'wav', 'aac', 'm4a', 'mp4', 'aiff', 'raw']);

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

interface DateFields {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number; // 0..23
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
  yearDay: number; // 0-based, like tm_yday
  zone: string;
}

/** Expands the template with %i = index. Tokens first, then `~`: a home path may contain "%". */
function expand(template: FileNameTemplate, context: FileNameContext, index: number): NameResult {
  const fields = dateFields(context.date, context.timeZone);
  if (!fields.ok) return fields;
  const home = context.homeDir ?? homedir();
  const folderTokens = expandTokens(template.folder, fields.value, context, index);
  if (!folderTokens.ok) return folderTokens;
  const folder = { path: expandHome(folderTokens.path, home) };
  const name = expandTokens(withoutAudioExtension(template.fileName), fields.value, context, index);
  if (!name.ok) return name;
  if (name.path.trim() === '') return fail('The recording file name is empty.');
  const file = `${name.path}.${context.extension}`;
  return { ok: true, path: folder.path === '' ? file : join(folder.path, file) };
}

/** True when the folder or file name uses %i. */
export function hasIndexToken(template: FileNameTemplate): boolean {
  return /(^|[^%])(%%)*%i/.test(template.folder) || /(^|[^%])(%%)*%i/.test(template.fileName);
}

/**
 * Adds an index to a template that has none (`rec.wav` -> `rec-%i.wav`): the "new index"
 * existing-file policy for names without %i.
 */
export function withIndex(template: FileNameTemplate): FileNameTemplate {
  if (hasIndexToken(template)) return template;
  return { ...template, fileName: `${withoutAudioExtension(template.fileName)}-%i` };
}

/**
 * The path a recording started now would get. With %i, the first index from 1 whose whole
 * path does not exist. `exists` is the file-system check (injectable for tests).
 */
export function resolveRecordingPath(
  template: FileNameTemplate,
  context: FileNameContext,
  exists: (path: string) => boolean = existsSync,
): NameResult {
  if (!hasIndexToken(template)) return expand(template, context, 1);
  for (let index = 1; index <= MAX_INDEX; index++) {
    const result = expand(template, context, index);
    if (!result.ok || !exists(result.path)) return result;
  }
  return fail(`No free recording file name: indexes 1 to ${MAX_INDEX} are all taken.`);
}

/** Same as resolveRecordingPath with an asynchronous existence check (engine side). */
export async function resolveRecordingPathAsync(
  template: FileNameTemplate,
  context: FileNameContext,
  exists: (path: string) => Promise<boolean> = pathExists,
): Promise<NameResult> {
  if (!hasIndexToken(template)) return expand(template, context, 1);
  for (let index = 1; index <= MAX_INDEX; index++) {
    const result = expand(template, context, index);
    if (!result.ok || !(await exists(result.path))) return result;
  }
  return fail(`No free recording file name: indexes 1 to ${MAX_INDEX} are all taken.`);
}

/** For the settings screen: the path the recorder would use now. Reads, never writes. */
export function previewRecordingPath(template: FileNameTemplate, context: FileNameContext): NameResult {
  return resolveRecordingPath(template, context, existsSync);
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Makes a server name usable inside a file name on every OS. */
export function safeForFileName(text: string): string {
  const cleaned = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  return cleaned === '' ? 'unnamed' : cleaned;
}

function expandHome(text: string, home: string): string {
  if (text === '~') return home;
  if (text.startsWith('~/') || (sep === '\\' && text.startsWith('~\\'))) return join(home, text.slice(2));
  return text;
}

function withoutAudioExtension(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return fileName;
  const extension = fileName.slice(dot + 1).toLowerCase();
  return AUDIO_EXTENSIONS.has(extension) ? fileName.slice(0, dot) : fileName;
}

function expandTokens(
  text: string,
  date: DateFields,
  context: FileNameContext,
  index: number,
): { ok: true; path: string } | { ok: false; error: AppError } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== '%') {
      out += char;
      continue;
    }
    const token = text[i + 1];
    i++;
    if (token === undefined) return fail('The recording file name ends with a lone "%".');
    const refused = REFUSED[token];
    if (refused !== undefined) {
      return fail(
        `The recording file name uses %${token} (the locale's ${refused}), which can contain "/" or ":" and so cannot be part of a file name. Use separate tokens such as %Y-%m-%d or %H%M%S.`,
      );
    }
    const value = tokenValue(token, date, context, index);
    if (value === undefined) {
      return fail(`The recording file name uses %${token}, which Airtight does not know. Supported: ${SUPPORTED}.`);
    }
    out += value;
  }
  return { ok: true, path: out };
}

function tokenValue(token: string, d: DateFields, context: FileNameContext, index: number): string | undefined {
  switch (token) {
    case 'a':
      return DAYS[d.weekday]!.slice(0, 3);
    case 'A':
      return DAYS[d.weekday];
    case 'b':
      return MONTHS[d.month - 1]!.slice(0, 3);
    case 'B':
      return MONTHS[d.month - 1];
    case 'd':
      return pad(d.day, 2);
    case 'H':
      return pad(d.hour, 2);
    case 'I':
      return pad(d.hour % 12 === 0 ? 12 : d.hour % 12, 2);
    case 'j':
      return pad(d.yearDay + 1, 3);
    case 'm':
      return pad(d.month, 2);
    case 'M':
      return pad(d.minute, 2);
    case 'p':
      return d.hour < 12 ? 'AM' : 'PM';
    case 'S':
      return pad(d.second, 2);
    case 'U': // week of the year, Sunday first; days before the first Sunday are week 0
      return pad(Math.floor((d.yearDay + 7 - d.weekday) / 7), 2);
    case 'w':
      return String(d.weekday);
    case 'W': // week of the year, Monday first
      return pad(Math.floor((d.yearDay + 7 - ((d.weekday + 6) % 7)) / 7), 2);
    case 'y':
      return pad(d.year % 100, 2);
    case 'Y':
      return String(d.year);
    case 'Z':
      return safeForFileName(d.zone);
    case 'N':
      return safeForFileName(context.serverName ?? '');
    case 'i':
      return String(index);
    case '%':
      return '%';
    default:
      return undefined;
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Calendar fields of `date` in `timeZone` (or the local zone), without locale surprises. */
function dateFields(date: Date, timeZone: string | undefined): { ok: true; value: DateFields } | { ok: false; error: AppError } {
  if (Number.isNaN(date.getTime())) return fail('The recording date is invalid.');
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    }).formatToParts(date);
  } catch {
    return fail(`Unknown time zone "${timeZone}".`);
  }
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((part) => part.type === type)?.value ?? '';
  const year = Number(get('year'));
  const month = Number(get('month'));
  const day = Number(get('day'));
  const utcMidnight = Date.UTC(year, month - 1, day);
  return {
    ok: true,
    value: {
      year,
      month,
      day,
      hour: Number(get('hour')),
      minute: Number(get('minute')),
      second: Number(get('second')),
      weekday: new Date(utcMidnight).getUTCDay(),
      yearDay: Math.round((utcMidnight - Date.UTC(year, 0, 1)) / 86_400_000),
      zone: get('timeZoneName'),
    },
  };
}

function fail(message: string): { ok: false; error: AppError } {
  return { ok: false, error: appError('RECORDER_FILE_NAME', message) };
}
