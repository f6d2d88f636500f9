/**
 * The settings as operators see and send them. Passwords never live in settings.json (servers
 * hold a `passwordRef` into the secret store); the view adds `hasPassword` so a screen can say
 * "set" without ever receiving the secret. An update replaces whole top-level sections and is
 * validated as a whole against the one schema.
 */
import { z } from 'zod';
import { SettingsSchema, type Settings } from '../../settings/settings-schema';
import type { SecretStore } from '../../settings/secrets/secret-store';
import { appError, type AppError } from '../../shared/errors';

/** Sections an operator may replace; `version` is the file's own. */
const SECTION_NAMES = Object.keys(SettingsSchema.shape).filter((key) => key !== 'version');

export function settingsView(settings: Settings, secrets: SecretStore): Record<string, unknown> {
  const view = structuredClone(settings) as Record<string, unknown> & Settings;
  view.stream = {
    ...view.stream,
    servers: view.stream.servers.map((server) => ({
      ...server,
      hasPassword: server.passwordRef !== null && (secrets.get(server.passwordRef) ?? '') !== '',
    })),
  };
  return view;
}

export type MergeResult = { ok: true; settings: Settings; changed: string[] } | { ok: false; error: AppError };

/**
 * `current` with the given sections replaced. Servers sent back without their `passwordRef`
 * (a form that dropped it, or a new server) keep the one their name had, so editing a server
 * never loses its password; `hasPassword` from the view is ignored.
 */
export function mergeSections(current: Settings, sections: Record<string, unknown>): MergeResult {
  const unknown = Object.keys(sections).filter((name) => !SECTION_NAMES.includes(name));
  if (unknown.length > 0) {
    return { ok: false, error: appError('SETTINGS_UNKNOWN_SECTION', `Unknown settings section "${unknown[0]}". Known: ${SECTION_NAMES.join(', ')}.`) };
  }
  const next: Record<string, unknown> = { ...structuredClone(current), ...structuredClone(sections) };
  const stream = next.stream;
  if (typeof stream === 'object' && stream !== null && Array.isArray((stream as { servers?: unknown }).servers)) {
    const refs = new Map(current.stream.servers.map((s) => [s.name, s.passwordRef]));
    (stream as { servers: unknown[] }).servers = (stream as { servers: unknown[] }).servers.map((raw) => {
      if (typeof raw !== 'object' || raw === null) return raw;
      const { hasPassword: _shown, ...server } = raw as Record<string, unknown>;
      if (server.passwordRef === undefined && typeof server.name === 'string' && refs.get(server.name)) server.passwordRef = refs.get(server.name);
      return server;
    });
  }
  const parsed = SettingsSchema.safeParse(next);
  if (!parsed.success) return { ok: false, error: describeIssue(parsed.error) };
  const changed = Object.keys(sections).filter(
    (name) => JSON.stringify(parsed.data[name as keyof Settings]) !== JSON.stringify(current[name as keyof Settings]),
  );
  return { ok: true, settings: parsed.data, changed };
}

function describeIssue(error: z.ZodError): AppError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || '(settings)';
  return appError('SETTINGS_INVALID_FIELD', `The setting "${field}" is not valid: ${issue?.message ?? 'invalid value'}.`);
}
