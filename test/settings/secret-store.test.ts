import { describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSecretStore, type SecretCipher } from '../../main/settings/secrets/secret-store';
import { tempDataDir } from '../helpers/airtight-process';

function open(path: string, cipher?: SecretCipher) {
  const result = FileSecretStore.open(path, cipher);
  if (!result.ok) throw new Error(result.error.message);
  return result.store;
}

describe('FileSecretStore (headless)', () => {
  it('creates the file with mode 0600 and reads secrets back, with no length cap', () => {
    const path = join(tempDataDir(), 'secrets.json');
    const store = open(path);
    const long = 'x'.repeat(5000) + ' ;#=%20 ünï';
    expect(store.set('server:a:password', long)).toBeUndefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = open(path);
    expect(again.get('server:a:password')).toBe(long);
    expect(again.refs()).toEqual(['server:a:password']);
    expect(again.delete('server:a:password')).toBeUndefined();
    expect(open(path).get('server:a:password')).toBeUndefined();
  });

  it('refuses a file others can read, and leaves it alone', () => {
    const path = join(tempDataDir(), 'secrets.json');
    open(path).set('r', 'hackme');
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(path, mode);
      const result = FileSecretStore.open(path);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe('SECRETS_FILE_MODE');
      expect(result.error.message).toContain(`mode 0${mode.toString(8)}`);
      expect(result.error.message).toMatch(/chmod 600/);
      expect(statSync(path).mode & 0o777).toBe(mode);
    }
    chmodSync(path, 0o600);
    expect(open(path).get('r')).toBe('hackme');
  });

  it('a damaged file is reported and never overwritten', () => {
    const path = join(tempDataDir(), 'secrets.json');
    writeFileSync(path, '{"version":1,', { mode: 0o600 });
    const result = FileSecretStore.open(path);
    expect(!result.ok && result.error.code).toBe('SECRETS_INVALID');
    expect(readFileSync(path, 'utf8')).toBe('{"version":1,');
  });

  it('values pass through the cipher; a file written with another cipher is refused', () => {
    const path = join(tempDataDir(), 'secrets.json');
    const rot: SecretCipher = { name: 'safeStorage', encrypt: (p) => Buffer.from(p).toString('base64'), decrypt: (s) => Buffer.from(s, 'base64').toString() };
    open(path, rot).set('k', 'hackme');
    expect(readFileSync(path, 'utf8')).not.toContain('hackme');
    expect(open(path, rot).get('k')).toBe('hackme');
    const plain = FileSecretStore.open(path);
    expect(!plain.ok && plain.error.code).toBe('SECRETS_CIPHER');
  });
});
