/**
 * Where passwords and tokens live instead of settings.json (see ../secret-ref.ts for the
 * references the settings hold). One file, `<data-dir>/secrets.json`, mode 0600, written
 * atomically; its values pass through a SecretCipher:
 * - headless: `plainCipher` (the 0600 mode is the protection, as for ~/.netrc or BUTT's file);
 * - Electron: main/app/safe-storage-secrets.ts encrypts with the OS keychain (safeStorage).
 * A file whose mode lets group or others read it is refused, not repaired: the secrets may
 * already have been read, and the operator has to know that (and change them), which a silent
 * chmod would hide. A file owned by another user is refused for the same reason.
 */
import { readFileSync, statSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { appError, type AppError } from '../../shared/errors';

export interface SecretStore {
  get(ref: string): string | undefined;
  /** Returns why the secret could not be stored, if so. */
  set(ref: string, value: string): AppError | undefined;
  delete(ref: string): AppError | undefined;
  refs(): string[];
}

/** Turns a secret into what the file stores, and back. */
export interface SecretCipher {
  readonly name: 'plain' | 'safeStorage';
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export const plainCipher: SecretCipher = { name: 'plain', encrypt: (plain) => plain, decrypt: (stored) => stored };

const SecretsFileSchema = z.object({
  version: z.literal(1),
  cipher: z.enum(['plain', 'safeStorage']),
  secrets: z.record(z.string(), z.string()),
});

export type OpenSecretsResult = { ok: true; store: FileSecretStore } | { ok: false; error: AppError };

export class FileSecretStore implements SecretStore {
  private constructor(
    private readonly path: string,
    private readonly cipher: SecretCipher,
    private readonly stored: Record<string, string>,
  ) {}

  static open(path: string, cipher: SecretCipher = plainCipher): OpenSecretsResult {
    let text: string;
    try {
      const stat = statSync(path);
      const unsafe = checkOwnership(path, stat.mode, stat.uid);
      if (unsafe) return { ok: false, error: unsafe };
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, store: new FileSecretStore(path, cipher, {}) };
      return { ok: false, error: appError('SECRETS_UNREADABLE', `Cannot read the secrets file ${path}.`, String(error)) };
    }
    let parsed: z.infer<typeof SecretsFileSchema>;
    try {
      parsed = SecretsFileSchema.parse(JSON.parse(text));
    } catch (error) {
      return { ok: false, error: appError('SECRETS_INVALID', `The secrets file ${path} is damaged; it is left untouched and no password is available.`, String(error)) };
    }
    if (parsed.cipher !== cipher.name) {
      return {
        ok: false,
        error: appError('SECRETS_CIPHER', `The secrets file ${path} was written ${parsed.cipher === 'plain' ? 'by the headless mode' : 'with the desktop keychain'} and cannot be read here.`),
      };
    }
    return { ok: true, store: new FileSecretStore(path, cipher, parsed.secrets) };
  }

  get(ref: string): string | undefined {
    const stored = this.stored[ref];
    return stored === undefined ? undefined : this.cipher.decrypt(stored);
  }

  set(ref: string, value: string): AppError | undefined {
    this.stored[ref] = this.cipher.encrypt(value);
    return this.save();
  }

  delete(ref: string): AppError | undefined {
    if (!(ref in this.stored)) return undefined;
    delete this.stored[ref];
    return this.save();
  }

  refs(): string[] {
    return Object.keys(this.stored);
  }

  private save(): AppError | undefined {
    const file = { version: 1, cipher: this.cipher.name, secrets: this.stored };
    try {
      writeFileAtomic.sync(this.path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
      return undefined;
    } catch (error) {
      return appError('SECRETS_WRITE', `Cannot write the secrets file ${this.path}.`, String(error));
    }
  }
}

/** An in-memory store: imports before the operator chooses where secrets go, and tests. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  get(ref: string): string | undefined {
    return this.values.get(ref);
  }
  set(ref: string, value: string): undefined {
    this.values.set(ref, value);
    return undefined;
  }
  delete(ref: string): undefined {
    this.values.delete(ref);
    return undefined;
  }
  refs(): string[] {
    return [...this.values.keys()];
  }
}

function checkOwnership(path: string, mode: number, uid: number): AppError | undefined {
  // Windows has no such mode bits; the data dir's ACL (the user's profile) protects it there.
  if (process.platform === 'win32') return undefined;
  const permissions = mode & 0o777;
  if ((permissions & 0o077) !== 0) {
    return appError(
      'SECRETS_FILE_MODE',
      `The secrets file ${path} has mode ${permissions.toString(8).padStart(4, '0')}: other users could read the passwords in it. Airtight will not use it. If others could really read it, change those passwords; then run "chmod 600 ${path}".`,
    );
  }
  if (process.getuid && uid !== process.getuid()) {
    return appError('SECRETS_FILE_OWNER', `The secrets file ${path} belongs to another user (uid ${uid}). Airtight will not use it.`);
  }
  return undefined;
}
