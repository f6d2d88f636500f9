/**
 * The event API's token: made at first start, kept in `<data-dir>/api-token` (mode 0600, so
 * only this user's programs can read it), compared in constant time.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { appError, type AppError } from '../../shared/errors';

export const TOKEN_FILE = 'api-token';
/** 32 random bytes, base64url: 43 characters. Shorter stored tokens are not trusted. */
const MIN_TOKEN_LENGTH = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

export interface LoadedToken {
  token: string;
  path: string;
  /** True when this call made the file (first start, or a bad file replaced). */
  created: boolean;
  /** Things the operator should know (a loosened mode fixed, a bad file replaced). */
  notes: AppError[];
}

export function loadOrCreateToken(dataDir: string): LoadedToken {
  const path = join(dataDir, TOKEN_FILE);
  const notes: AppError[] = [];
  let existing: string | undefined;
  try {
    existing = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      notes.push(appError('API_TOKEN_UNREADABLE', `The event API token file ${path} could not be read; a new token was made.`, String(error)));
    }
  }
  if (existing !== undefined) {
    if (existing.length >= MIN_TOKEN_LENGTH && TOKEN_PATTERN.test(existing)) {
      tightenMode(path, notes);
      return { token: existing, path, created: false, notes };
    }
    notes.push(appError('API_TOKEN_INVALID', `The event API token in ${path} was too short or malformed; a new token was made. Clients need the new one.`));
  }
  const token = randomBytes(32).toString('base64url');
  // Written whole with its final mode: there is no moment when another user could read it.
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  tightenMode(path, notes);
  return { token, path, created: true, notes };
}

/** An existing file keeps its mode on write; make sure it is 0600 (no-op on Windows). */
function tightenMode(path: string, notes: AppError[]): void {
  if (process.platform === 'win32') return;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode !== 0o600) {
      chmodSync(path, 0o600);
      notes.push(appError('API_TOKEN_MODE_FIXED', `The event API token file ${path} was readable by others (mode ${mode.toString(8)}); set to 600.`));
    }
  } catch {
    // Unreadable stat: the read above would have failed first.
  }
}

/** Constant-time comparison; hashing first hides the expected length too. */
export function tokenMatches(expected: string, offered: string | undefined): boolean {
  if (offered === undefined || offered.length === 0 || offered.length > 1024) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(offered).digest();
  return timingSafeEqual(a, b);
}
