/**
 * The log an operator reads: every entry goes to the log file and to whatever screens are
 * attached (the desktop window, the headless terminal, later the web UI). Errors carry their
 * AppError so the screen can show the code and the sentence.
 */
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

export class OperatorLog {
  private readonly file: Logger;
  private readonly recent: LogEntry[] = [];
  private readonly listeners: ((entry: LogEntry) => void)[] = [];

  constructor(logFile: string) {
    // Synchronous writes: the last lines before a crash are the ones that matter.
    this.file = pino({ base: undefined }, pino.destination({ dest: logFile, mkdir: true, sync: true }));
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
}

export function formatEntry(entry: LogEntry): string {
  const time = entry.time.slice(11, 23);
  const code = entry.error ? ` [${entry.error.code}]` : '';
  const detail = entry.error && entry.error.message !== entry.message ? `: ${entry.error.message}` : '';
  return `${time} ${entry.level.toUpperCase().padEnd(5)} ${entry.source.padEnd(6)} ${entry.message}${detail}${code}`;
}
