/**
 * The log an operator reads: every entry goes to the log file and to whatever screens are
 * attached (the desktop window, the headless terminal, later the web UI). Errors carry their
 * AppError so the screen can show the code and the sentence.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { AppError } from './errors';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  time: string;
  level: LogLevel;
  source: 'host' | 'engine';
  message: string;
  error?: AppError;
}

const KEEP_ENTRIES = 500;

/** A station runs for months: the log file is rotated by size, keeping a few old files. */
export interface LogRotation {
  maxBytes: number;
  keepFiles: number;
}
export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, keepFiles: 5 };

export class OperatorLog {
  private readonly file: Logger;
  private readonly destination: ReturnType<typeof pino.destination>;
  private readonly recent: LogEntry[] = [];
  private readonly listeners: ((entry: LogEntry) => void)[] = [];
  private bytesInFile: number;

  constructor(
    private readonly logFile: string,
    private readonly rotation: LogRotation = DEFAULT_LOG_ROTATION,
  ) {
    this.bytesInFile = existsSync(logFile) ? statSync(logFile).size : 0;
    if (this.bytesInFile >= rotation.maxBytes) this.shiftFiles();
    // Synchronous writes: the last lines before a crash are the ones that matter.
    this.destination = pino.destination({ dest: logFile, mkdir: true, sync: true });
    this.file = pino({ base: undefined }, this.destination);
  }

  onEntry(listener: (entry: LogEntry) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  entries(): LogEntry[] {
    return [...this.recent];
  }

  debug(message: string, source: LogEntry['source'] = 'host'): void {
    this.write({ level: 'debug', source, message });
  }
  info(message: string, source: LogEntry['source'] = 'host'): void {
    this.write({ level: 'info', source, message });
  }
  warn(message: string, error?: AppError, source: LogEntry['source'] = 'host'): void {
    this.write({ level: 'warn', source, message, ...(error ? { error } : {}) });
  }
  error(message: string, error?: AppError, source: LogEntry['source'] = 'host'): void {
    this.write({ level: 'error', source, message, ...(error ? { error } : {}) });
  }

  private write(partial: Omit<LogEntry, 'time'>): void {
    const entry: LogEntry = { time: new Date().toISOString(), ...partial };
    this.file[entry.level]({ source: entry.source, ...(entry.error ? { error: entry.error } : {}) }, entry.message);
    this.bytesInFile += entry.message.length + 96;
    if (this.bytesInFile >= this.rotation.maxBytes) this.rotate();
    if (entry.level === 'debug') return;
    this.recent.push(entry);
    if (this.recent.length > KEEP_ENTRIES) this.recent.shift();
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // One broken screen must not silence the others.
      }
    }
  }

  private rotate(): void {
    try {
      this.shiftFiles();
      // pino's documented rotation: rename the file away, then reopen the same path.
      this.destination.reopen();
    } catch {
      // A log that cannot rotate keeps writing to the same file rather than stop logging.
    }
  }

  /** log -> log.1 -> log.2 ...; the oldest beyond keepFiles is deleted. */
  private shiftFiles(): void {
    const numbered = (n: number): string => `${this.logFile}.${n}`;
    rmSync(numbered(this.rotation.keepFiles), { force: true });
    for (let n = this.rotation.keepFiles - 1; n >= 1; n--) {
      if (existsSync(numbered(n))) renameSync(numbered(n), numbered(n + 1));
    }
    if (existsSync(this.logFile)) renameSync(this.logFile, numbered(1));
    this.bytesInFile = 0;
  }
}

export function formatEntry(entry: LogEntry): string {
  const time = entry.time.slice(11, 23);
  const code = entry.error ? ` [${entry.error.code}]` : '';
  const detail = entry.error && entry.error.message !== entry.message ? `: ${entry.error.message}` : '';
  return `${time} ${entry.level.toUpperCase().padEnd(5)} ${entry.source.padEnd(6)} ${entry.message}${detail}${code}`;
}
