/**
 * Titles from a text file that a playout system rewrites (BUTT's `song_path`): polled at a short
 * interval, the file's mtime, size and contents compared, the first or last line taken. A
 * missing or unreadable file is a warning (once per cause), never a crash; an empty file clears
 * the title.
 */
import { open, stat } from 'node:fs/promises';
import { appError, type AppError } from '../../../shared/errors';
import { pickLine, type LinePick } from './title-text';

/** Only this much of a file is read: the start for "first line", the end for "last line". */
const READ_LIMIT = 64 * 1024;

export interface TitleFileOptions {
  path: string;
  pick: LinePick;
  intervalMs?: number;
  /** A new title (possibly '' for "cleared"); called only when it changed. */
  onTitle: (title: string) => void;
  /** A readable problem with the file; called once per distinct problem. */
  onWarning?: (warning: AppError) => void;
}

export class TitleFileSource {
  private timer: NodeJS.Timeout | null = null;
  private lastKey = '';
  private lastTitle: string | undefined;
  private lastWarning = '';
  private polling: Promise<void> | null = null;

  constructor(private readonly options: TitleFileOptions) {}

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? 500);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** One check; overlapping calls share the one in progress. */
  poll(): Promise<void> {
    this.polling ??= this.check().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async check(): Promise<void> {
    const { path, pick } = this.options;
    let text: string;
    let key: string;
    try {
      const info = await stat(path);
      if (!info.isFile()) return this.warn(appError('TITLE_FILE_NOT_A_FILE', `The title file ${path} is not a regular file`));
      text = await readPart(path, info.size, pick);
      // Contents as well as mtime: a rewrite within the same mtime tick must not be missed.
      key = `${info.mtimeMs}:${info.size}:${text}`;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return this.warn(appError('TITLE_FILE_MISSING', `The title file ${path} does not exist (the title stays as it is)`));
      if (code === 'EACCES' || code === 'EPERM') return this.warn(appError('TITLE_FILE_UNREADABLE', `The title file ${path} cannot be read: permission denied`));
      return this.warn(appError('TITLE_FILE_UNREADABLE', `The title file ${path} cannot be read`, String(error)));
    }
    this.lastWarning = '';
    if (key === this.lastKey) return;
    this.lastKey = key;
    const title = pickLine(text, pick);
    if (title === this.lastTitle) return;
    this.lastTitle = title;
    this.options.onTitle(title);
  }

  private warn(warning: AppError): void {
    if (warning.code === this.lastWarning) return;
    this.lastWarning = warning.code;
    this.lastKey = '';
    this.options.onWarning?.(warning);
  }
}

async function readPart(path: string, size: number, pick: LinePick): Promise<string> {
  const length = Math.min(size, READ_LIMIT);
  const position = pick === 'last' ? size - length : 0;
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    let text = buffer.subarray(0, bytesRead).toString('utf8');
    // A cut at the read limit leaves a partial line: drop it.
    if (size > length) text = pick === 'last' ? text.slice(text.search(/[\r\n]/) + 1) : text.slice(0, Math.max(0, text.search(/[\r\n][^\r\n]*$/)));
    return text;
  } finally {
    await file.close();
  }
}
