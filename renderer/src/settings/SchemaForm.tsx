/**
 * Form fields generated from a settings schema (schema-fields.ts): checkbox, number with the
 * schema's range, text, select for enums, fieldsets for nested objects. Errors come from the
 * same schema, keyed by path, and sit next to their field (aria-describedby).
 */
import type React from 'react';
import type { z } from 'zod';
import { describe, labelOf, pathKey, type FieldKind } from './schema-fields';

export type Path = (string | number)[];
export type Edit = (path: Path, value: unknown) => void;

/** Keys nobody edits by hand: BUTT leftovers, secret references, internal bookkeeping. */
const ALWAYS_HIDDEN = new Set(['extra', 'secretRefs', 'passwordRef', 'buttType', 'hasPassword']);

interface FormProps {
  schema: z.ZodType;
  value: unknown;
  path: Path;
  edit: Edit;
  errors: Record<string, string>;
  hidden?: readonly string[];
  only?: readonly string[];
  /** Overrides the legend / label of a key. */
  labels?: Record<string, string>;
  /** Labels of the items of number lists, by key (EQ bands by frequency). */
  listLabels?: Record<string, readonly string[]>;
}

function idOf(path: Path): string {
  return `f-${pathKey(path).replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

function FieldError({ path, errors }: { path: Path; errors: Record<string, string> }): React.JSX.Element | null {
  const message = errors[pathKey(path)];
  return message ? (
    <span className="field-error" id={`${idOf(path)}-error`} role="alert">
      {message}
    </span>
  ) : null;
}

/** The fields of an object schema. */
export function SchemaForm({ schema, value, path, edit, errors, hidden = [], only, labels = {}, listLabels }: FormProps): React.JSX.Element {
  const info = describe(schema);
  if (info.field.kind !== 'object') return <></>;
  const object = (value ?? {}) as Record<string, unknown>;
  const keys = Object.keys(info.field.shape).filter((key) => !ALWAYS_HIDDEN.has(key) && !hidden.includes(key) && (!only || only.includes(key)));
  return (
    <div className="form-grid">
      {keys.map((key) => (
        <SchemaField key={key} name={key} label={labels[key] ?? labelOf(key)} schema={info.field.kind === 'object' ? info.field.shape[key]! : schema} value={object[key]} path={[...path, key]} edit={edit} errors={errors} listLabels={listLabels} />
      ))}
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  schema: z.ZodType;
  value: unknown;
  path: Path;
  edit: Edit;
  errors: Record<string, string>;
  listLabels?: Record<string, readonly string[]> | undefined;
}

export function SchemaField({ name, label, schema, value, path, edit, errors, listLabels }: FieldProps): React.JSX.Element | null {
  const info = describe(schema);
  const id = idOf(path);
  const invalid = errors[pathKey(path)] !== undefined;
  const a11y = { id, 'aria-invalid': invalid || undefined, 'aria-describedby': invalid ? `${id}-error` : undefined };
  const field: FieldKind = info.field;

  if (field.kind === 'object' || field.kind === 'variant') {
    if (info.nullable && value === null) {
      return (
        <div className="field field-check">
          <input type="checkbox" {...a11y} checked={false} onChange={() => edit(path, info.inner.parse({}))} />
          <label htmlFor={id}>{label}</label>
        </div>
      );
    }
    const variant = field.kind === 'variant' ? field : undefined;
    const current = (value ?? {}) as Record<string, unknown>;
    const chosen = variant ? (variant.options.find((o) => o.value === current[variant.discriminator]) ?? variant.options[0]!) : undefined;
    return (
      <fieldset className="group">
        <legend>
          {info.nullable && <input type="checkbox" aria-label={`Use ${label}`} checked onChange={() => edit(path, null)} />} {label}
        </legend>
        {variant && chosen && (
          <div className="field">
            <label htmlFor={`${id}-variant`}>{labelOf(variant.discriminator)}</label>
            <select id={`${id}-variant`} value={chosen.value} onChange={(e) => edit(path, variant.options.find((o) => o.value === e.target.value)!.schema.parse({ [variant.discriminator]: e.target.value }))}>
              {variant.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.value}
                </option>
              ))}
            </select>
          </div>
        )}
        <SchemaForm schema={chosen ? chosen.schema : info.inner} value={current} path={path} edit={edit} errors={errors} hidden={variant ? [variant.discriminator] : []} listLabels={listLabels} />
        <FieldError path={path} errors={errors} />
      </fieldset>
    );
  }

  switch (field.kind) {
    case 'boolean':
      return (
        <div className="field field-check">
          <input type="checkbox" {...a11y} checked={value === true} onChange={(e) => edit(path, e.target.checked)} />
          <label htmlFor={id}>{label}</label>
          <FieldError path={path} errors={errors} />
        </div>
      );
    case 'number':
      return (
        <div className="field">
          <label htmlFor={id}>{label}</label>
          <input
            type="number"
            {...a11y}
            min={field.min !== undefined && Number.isFinite(field.min) ? field.min : undefined}
            max={field.max !== undefined && Number.isFinite(field.max) ? field.max : undefined}
            step={field.int ? 1 : 'any'}
            value={typeof value === 'number' && Number.isFinite(value) ? value : ''}
            placeholder={info.nullable || info.optional ? 'automatic' : undefined}
            onChange={(e) => edit(path, e.target.value === '' ? (info.nullable ? null : info.optional ? undefined : Number.NaN) : Number(e.target.value))}
          />
          <FieldError path={path} errors={errors} />
        </div>
      );
    case 'string':
      return (
        <div className="field">
          <label htmlFor={id}>{label}</label>
          <input
            type="text"
            {...a11y}
            value={typeof value === 'string' ? value : ''}
            placeholder={info.nullable || info.optional ? '(none)' : undefined}
            onChange={(e) => edit(path, e.target.value !== '' ? e.target.value : info.nullable ? null : info.optional ? undefined : '')}
          />
          <FieldError path={path} errors={errors} />
        </div>
      );
    case 'choice':
      return (
        <div className="field">
          <label htmlFor={id}>{label}</label>
          <select
            {...a11y}
            value={value === undefined || value === null ? '' : String(value)}
            onChange={(e) => {
              const picked = field.options.find((o) => String(o) === e.target.value);
              edit(path, picked ?? (info.nullable ? null : undefined));
            }}
          >
            {(info.nullable || info.optional) && <option value="">(none)</option>}
            {field.options.map((o) => (
              <option key={String(o)} value={String(o)}>
                {String(o)}
              </option>
            ))}
          </select>
          <FieldError path={path} errors={errors} />
        </div>
      );
    case 'number-list': {
      const list = Array.isArray(value) ? (value as number[]) : [];
      const itemLabels = listLabels?.[name];
      return (
        <fieldset className="group number-list">
          <legend>{label}</legend>
          {list.map((item, i) => (
            <label key={i} className="list-item">
              <span>{itemLabels?.[i] ?? i + 1}</span>
              <input
                type="number"
                step="any"
                min={field.item.kind === 'number' ? field.item.min : undefined}
                max={field.item.kind === 'number' ? field.item.max : undefined}
                aria-label={`${label} ${itemLabels?.[i] ?? i + 1}`}
                value={Number.isFinite(item) ? item : ''}
                onChange={(e) => edit(path, list.map((v, j) => (j === i ? Number(e.target.value) : v)))}
              />
            </label>
          ))}
          <FieldError path={path} errors={errors} />
        </fieldset>
      );
    }
    default:
      // Lists of objects have their own editors (servers, stream infos); the rest is not for hand editing.
      return null;
  }
}
