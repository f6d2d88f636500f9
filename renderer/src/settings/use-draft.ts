/**
 * A page's working copy of whole settings sections. Edits stay local until Save; Save checks
 * the draft against the real schema (main/settings/settings-schema.ts) and shows each problem
 * at its field, then sends the sections with `settings.update` and shows a refusal's message.
 */
import { useCallback, useEffect, useState } from 'react';
import { SettingsSchema } from '../../../main/settings/settings-schema';
import { saveSections, useSettings } from '../store/settings-store';
import { issuesByPath } from './schema-fields';
import type { Path } from './SchemaForm';

export type SectionName = keyof typeof SettingsSchema.shape;
export type Draft = Record<string, unknown>;

export function setIn(target: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(target)) {
    const copy = [...target];
    copy[head as number] = setIn(copy[head as number], rest, value);
    return copy;
  }
  const object = (target ?? {}) as Record<string, unknown>;
  return { ...object, [head!]: setIn(object[head!], rest, value) };
}

export function getIn(target: unknown, path: Path): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | undefined)?.[key], target);
}

function pick(settings: Draft | undefined, sections: readonly SectionName[]): Draft {
  const out: Draft = {};
  for (const section of sections) out[section] = structuredClone(settings?.[section] ?? SettingsSchema.shape[section].parse(undefined));
  return out;
}

export interface DraftApi {
  draft: Draft;
  dirty: boolean;
  errors: Record<string, string>;
  message: { kind: 'saved' | 'refused' | 'invalid'; text: string } | undefined;
  saving: boolean;
  loaded: boolean;
  edit(path: Path, value: unknown): void;
  save(): Promise<boolean>;
  revert(): void;
}

export function useDraft(sections: readonly SectionName[]): DraftApi {
  const settings = useSettings((s) => s.settings);
  const [draft, setDraft] = useState<Draft>(() => pick(settings, sections));
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<DraftApi['message']>(undefined);
  const [saving, setSaving] = useState(false);
  const key = sections.join(',');

  useEffect(() => {
    if (!dirty) setDraft(pick(settings, sections));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings, key]);

  const edit = useCallback((path: Path, value: unknown) => {
    setDraft((d) => setIn(d, path, value) as Draft);
    setDirty(true);
    setMessage(undefined);
  }, []);

  const save = async (): Promise<boolean> => {
    const parsed: Draft = {};
    let found: Record<string, string> = {};
    for (const section of sections) {
      const result = SettingsSchema.shape[section].safeParse(draft[section]);
      if (result.success) parsed[section] = result.data;
      else found = { ...found, ...issuesByPath(result.error.issues, [section]) };
    }
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setMessage({ kind: 'invalid', text: `Not saved: ${Object.keys(found).length} field(s) need attention.` });
      return false;
    }
    setSaving(true);
    const saved = await saveSections(parsed);
    setSaving(false);
    if (!saved.ok) {
      setMessage({ kind: 'refused', text: `Not saved: ${saved.error.message}` });
      return false;
    }
    setDirty(false);
    setMessage({ kind: 'saved', text: 'Saved.' });
    return true;
  };

  const revert = (): void => {
    setDraft(pick(settings, sections));
    setDirty(false);
    setErrors({});
    setMessage(undefined);
  };

  return { draft, dirty, errors, message, saving, loaded: settings !== undefined, edit, save, revert };
}
