/**
 * Reads the settings' zod schemas (main/settings/, the one source of truth) to build form
 * fields: each setting's kind, range and choices come from the schema, so a field added there
 * shows up in the UI without a second definition here.
 */
import type { z } from 'zod';

type AnySchema = z.ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  shape?: Record<string, AnySchema>;
  entries?: Record<string, string | number>;
  values?: unknown[];
  options?: AnySchema[];
  discriminator?: string;
  element?: AnySchema;
}

export function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

export type FieldKind =
  | { kind: 'boolean' }
  | { kind: 'number'; min?: number; max?: number; int: boolean }
  | { kind: 'string' }
  | { kind: 'choice'; options: (string | number)[] }
  | { kind: 'object'; shape: Record<string, AnySchema> }
  | { kind: 'variant'; discriminator: string; options: { value: string; schema: AnySchema }[] }
  | { kind: 'number-list'; item: FieldKind }
  | { kind: 'object-list'; item: AnySchema }
  | { kind: 'fixed'; value: unknown }
  | { kind: 'other' };

export interface FieldInfo {
  field: FieldKind;
  /** The value may be null (a nullable object is switched on and off). */
  nullable: boolean;
  optional: boolean;
  /** The schema under the wrappers, to parse defaults from. */
  inner: AnySchema;
}

export function describe(schema: AnySchema): FieldInfo {
  let current = schema;
  let nullable = false;
  let optional = false;
  for (let i = 0; i < 10; i++) {
    const def = defOf(current);
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable' || def.type === 'readonly') {
      if (def.type === 'nullable') nullable = true;
      if (def.type === 'optional') optional = true;
      current = def.innerType!;
    } else break;
  }
  return { field: kindOf(current), nullable, optional, inner: current };
}

function kindOf(schema: AnySchema): FieldKind {
  const def = defOf(schema);
  switch (def.type) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'number': {
      const n = schema as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean };
      return { kind: 'number', min: n.minValue ?? undefined, max: n.maxValue ?? undefined, int: n.isInt };
    }
    case 'string':
      return { kind: 'string' };
    case 'enum':
      return { kind: 'choice', options: Object.values(def.entries ?? {}) };
    case 'literal':
      return { kind: 'fixed', value: def.values?.[0] };
    case 'object':
      return { kind: 'object', shape: def.shape ?? {} };
    case 'union': {
      const options = def.options ?? [];
      if (def.discriminator) {
        const key = def.discriminator;
        return {
          kind: 'variant',
          discriminator: key,
          options: options.map((option) => ({ value: String(defOf(defOf(option).shape![key]!).values?.[0]), schema: option })),
        };
      }
      if (options.every((o) => defOf(o).type === 'literal')) return { kind: 'choice', options: options.map((o) => defOf(o).values?.[0] as string | number) };
      return { kind: 'other' };
    }
    case 'array': {
      const item = describe(def.element!);
      if (item.field.kind === 'number') return { kind: 'number-list', item: item.field };
      if (item.field.kind === 'object') return { kind: 'object-list', item: def.element! };
      return { kind: 'other' };
    }
    default:
      return { kind: 'other' };
  }
}

/** The object schema at a key path (through wrappers), or undefined. */
export function schemaAt(schema: AnySchema, path: (string | number)[]): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (const key of path) {
    if (!current) return undefined;
    const info = describe(current);
    if (info.field.kind === 'object') current = info.field.shape[String(key)];
    else if (info.field.kind === 'object-list') current = info.field.item;
    else return undefined;
  }
  return current;
}

/** A key's last word that is a unit, as the label shows it. */
const UNITS: Record<string, string> = { db: '(dB)', dbfs: '(dBFS)', kbps: '(kbps)', seconds: '(s)', ms: '(ms)', minutes: '(min)', lufs: '(LUFS)' };

/** Words an operator knows as capitals. */
const ACRONYMS = new Set(['ttl', 'dscp', 'ptp', 'sap', 'tls', 'dsp', 'ca', 'url', 'sdp', 'id', 'rtp', 'eq', 'icy', 'irc', 'icq', 'aim', 'mp3', 'aac', 'flac', 'vbr', 'cbr', 'abr', 'ip', 'api', 'udp', 'tcp', 'utf']);

/** Keys whose words alone would not tell an operator what the field does. */
const NAMES: Record<string, string> = {
  certHash: 'Pinned certificate (SHA-256)',
  caPath: 'CA file or folder',
  preDsp: 'Feed before the DSP',
  ptp: 'Follow a PTP grandmaster',
  sap: 'Announce with SAP',
  loopback: 'Receive own multicast (loopback)',
  sourceFilter: 'Source-filter line in the SDP',
  framecount: 'Framecount line in the SDP',
  pacer: 'Packet pacer',
  bufferMs: 'Reserve ahead of the pacer (ms)',
};

/** "confirmQuitWhileOnAir" -> "Confirm quit while on air"; "masterGainDb" -> "Master gain (dB)". */
export function labelOf(key: string): string {
  const named = NAMES[key];
  if (named) return named;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(' ')
    .map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word));
  const last = words.length > 1 ? UNITS[words[words.length - 1]!.toLowerCase()] : undefined;
  if (last) words[words.length - 1] = last;
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function pathKey(path: (string | number)[]): string {
  return path.join('.');
}

/** zod issues -> message per field path (the first one wins). */
export function issuesByPath(issues: readonly { path: PropertyKey[]; message: string }[], prefix: (string | number)[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const key = pathKey([...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p.description) : (p as string | number)))]);
    out[key] ??= issue.message;
  }
  return out;
}
