/**
 * Secrets (server passwords, tokens) never live in settings.json. A setting that needs one
 * holds a reference instead:
 *
 *   passwordRef: "server:<server name>:password"   (or null: no secret)
 *
 * The reference is an opaque key into the SecretStore (secrets/secret-store.ts); it is chosen
 * once, when the secret is first stored, and does not change when the server is renamed.
 * No length cap on the secret itself (BUTT caps passwords at 100 characters; tokens are longer).
 */
import { z } from 'zod';

export const SecretRefSchema = z.string().min(1).max(512).nullable().default(null);
export type SecretRef = string | null;

export function serverPasswordRef(serverName: string): string {
  return `server:${serverName}:password`;
}

export function serverTokenRef(serverName: string, key: string): string {
  return `server:${serverName}:${key}`;
}

/** For a secret-looking key in a section Airtight does not know ([Remote Control] password...). */
export function extraSecretRef(section: string, key: string): string {
  return `butt:${section}:${key}`;
}
