import { describe, it, expect } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateToken, tokenMatches } from '../../main/host/event-api/api-token';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'airtight-api-token-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('event API token', () => {
  it('is made at first start with mode 0600 and kept afterwards', () =>
    withDir((dir) => {
      const first = loadOrCreateToken(dir);
      expect(first.created).toBe(true);
      expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(statSync(first.path).mode & 0o777).toBe(0o600);
      expect(readFileSync(first.path, 'utf8').trim()).toBe(first.token);
      const again = loadOrCreateToken(dir);
      expect(again).toMatchObject({ token: first.token, created: false, notes: [] });
    }));

  it('tightens a file others could read, and replaces a malformed one', () =>
    withDir((dir) => {
      const { path, token } = loadOrCreateToken(dir);
      chmodSync(path, 0o644);
      const loosened = loadOrCreateToken(dir);
      expect(loosened.token).toBe(token);
      expect(loosened.notes.map((n) => n.code)).toEqual(['API_TOKEN_MODE_FIXED']);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      writeFileSync(path, 'short\n');
      const replaced = loadOrCreateToken(dir);
      expect(replaced.created).toBe(true);
      expect(replaced.token).not.toBe(token);
      expect(replaced.notes.map((n) => n.code)).toContain('API_TOKEN_INVALID');
    }));

  it('matches only the exact token', () => {
    const token = 'a'.repeat(43);
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token, 'a'.repeat(42))).toBe(false);
    expect(tokenMatches(token, `${token}a`)).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
    expect(tokenMatches(token, undefined)).toBe(false);
    expect(tokenMatches(token, 'a'.repeat(5000))).toBe(false);
  });
});
