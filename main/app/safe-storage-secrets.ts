/**
 * The desktop's SecretCipher: Electron's safeStorage (Keychain on macOS, DPAPI on Windows,
 * libsecret/kwallet on Linux). The secrets file stays main/settings/secrets/secret-store.ts's;
 * only its values are encrypted here. Returns undefined when the OS offers no real keychain
 * (Linux "basic_text" backend): the caller then uses the headless 0600 file instead.
 */
import { safeStorage } from 'electron';
import type { SecretCipher } from '../settings/secrets/secret-store';

export function safeStorageCipher(): SecretCipher | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return undefined;
  return {
    name: 'safeStorage',
    encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
    decrypt: (stored) => safeStorage.decryptString(Buffer.from(stored, 'base64')),
  };
}
