/**
 * The event API's wire contract (docs/EVENT-API.md is its prose): JSON text frames, each an
 * object with `v: 1`. Clients send commands; the server sends hello, events, results and
 * errors. Incoming messages are validated here with zod; outgoing ones are built here.
 * Bump EVENT_API_VERSION on any incompatible change.
 */
import { z } from 'zod';
import type { AppError } from '../../shared/errors';
import { COMMAND_NAMES, EVENT_NAMES, parseOperatorCommand, type CommandName, type EventName, type OperatorCommand } from '../../protocol/operator-api';

export { COMMAND_NAMES, EVENT_NAMES, LEVEL_EVENT, MAX_TITLE_LENGTH, type CommandName, type EventName } from '../../protocol/operator-api';

export const EVENT_API_VERSION = 1;

/** A command id is echoed back: keep it short so a client cannot make us echo megabytes. */
const CommandIdSchema = z.union([z.string().max(64), z.number().int().safe()]);

/** A validated command, as the host receives it (the operator API's table). */
export type ApiCommand = OperatorCommand;

export const CommandMessageSchema = z.object({
  v: z.literal(EVENT_API_VERSION),
  type: z.literal('command'),
  id: CommandIdSchema,
  name: z.string().max(64),
  params: z.unknown().optional(),
});
export type CommandId = z.infer<typeof CommandIdSchema>;

export type ParsedMessage =
  | { ok: true; command: ApiCommand; id: CommandId }
  | { ok: false; id?: CommandId; error: AppError };

const bad = (message: string, id?: CommandId): ParsedMessage => ({
  ok: false,
  ...(id !== undefined ? { id } : {}),
  error: { code: 'API_BAD_MESSAGE', message },
});

/** Validates one text frame. Never throws. */
export function parseClientMessage(text: string): ParsedMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return bad('Not valid JSON.');
  }
  const envelope = CommandMessageSchema.safeParse(raw);
  if (!envelope.success) {
    const id = idOf(raw);
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'v' in raw && raw.v !== EVENT_API_VERSION) {
      return { ok: false, ...(id !== undefined ? { id } : {}), error: { code: 'API_VERSION_UNSUPPORTED', message: `Only version ${EVENT_API_VERSION} messages are understood ("v": ${EVENT_API_VERSION}).` } };
    }
    return bad(`Expected {"v":${EVENT_API_VERSION},"type":"command","id":...,"name":...,"params":{...}}: ${firstIssue(envelope.error)}`, id);
  }
  const { id, name, params } = envelope.data;
  const parsed = parseOperatorCommand(name, params);
  return parsed.ok ? { ok: true, id, command: parsed.command } : { ok: false, id, error: parsed.error };
}

function idOf(raw: unknown): CommandId | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const parsed = CommandIdSchema.safeParse((raw as { id?: unknown }).id);
  return parsed.success ? parsed.data : undefined;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${path}${issue.message}`.slice(0, 200);
}

// --- server -> client -------------------------------------------------------------------

export interface HelloMessage {
  v: typeof EVENT_API_VERSION;
  type: 'hello';
  api: typeof EVENT_API_VERSION;
  app: { name: 'Airtight'; version: string };
  commands: CommandName[];
  events: readonly EventName[];
  /** Highest level rate this connection gets (Hz); 0 = levels off. */
  levelsHz: number;
  snapshot: unknown;
}

export function helloMessage(appVersion: string, snapshot: unknown, levelsHz: number): string {
  const hello: HelloMessage = {
    v: EVENT_API_VERSION,
    type: 'hello',
    api: EVENT_API_VERSION,
    app: { name: 'Airtight', version: appVersion },
    commands: COMMAND_NAMES,
    events: EVENT_NAMES,
    levelsHz,
    snapshot,
  };
  return JSON.stringify(hello);
}

/** `seq` counts every non-level event the server sent out; a gap means this client missed some. */
export function eventMessage(name: string, data: unknown, seq?: number): string {
  return JSON.stringify({ v: EVENT_API_VERSION, type: 'event', ...(seq !== undefined ? { seq } : {}), name, data });
}

export function resultMessage(id: CommandId, outcome: { ok: true; result: unknown } | { ok: false; error: AppError }): string {
  return JSON.stringify(
    outcome.ok
      ? { v: EVENT_API_VERSION, type: 'result', id, ok: true, result: outcome.result ?? null }
      : { v: EVENT_API_VERSION, type: 'result', id, ok: false, error: outcome.error },
  );
}

/** An answer to a message that carried no usable id (malformed, binary, rate-limited). */
export function errorMessage(error: AppError): string {
  return JSON.stringify({ v: EVENT_API_VERSION, type: 'error', error });
}
