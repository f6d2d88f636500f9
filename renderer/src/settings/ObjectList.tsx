/**
 * A list of named entries (servers, stream infos): pick one to edit, add, delete. The entry's
 * fields come from its schema (SchemaForm); `extra` renders what a page adds (password, test).
 */
import type React from 'react';
import { useState } from 'react';
import type { z } from 'zod';
import { SchemaForm, type Edit, type Path } from './SchemaForm';

interface Props {
  title: string;
  itemSchema: z.ZodType;
  items: Record<string, unknown>[];
  path: Path;
  edit: Edit;
  errors: Record<string, string>;
  newItem(names: string[]): Record<string, unknown>;
  extra?(item: Record<string, unknown>, index: number): React.ReactNode;
}

export function ObjectList({ title, itemSchema, items, path, edit, errors, newItem, extra }: Props): React.JSX.Element {
  const [selected, setSelected] = useState(0);
  const index = Math.min(selected, items.length - 1);
  const item = index >= 0 ? items[index] : undefined;
  const names = items.map((i) => String(i.name ?? ''));
  return (
    <div className="object-list">
      <div className="list-side">
        <label htmlFor={`list-${title}`}>{title}</label>
        <select id={`list-${title}`} size={Math.max(3, Math.min(8, items.length))} value={index >= 0 ? String(index) : ''} onChange={(e) => setSelected(Number(e.target.value))}>
          {items.map((entry, i) => (
            <option key={i} value={String(i)}>
              {names[i] || '(no name)'}
            </option>
          ))}
        </select>
        <div className="list-buttons">
          <button
            type="button"
            onClick={() => {
              edit(path, [...items, newItem(names)]);
              setSelected(items.length);
            }}
          >
            Add
          </button>
          <button
            type="button"
            disabled={!item}
            onClick={() => {
              edit(
                path,
                items.filter((_, i) => i !== index),
              );
              setSelected(Math.max(0, index - 1));
            }}
          >
            Delete{item ? ` ${names[index]}` : ''}
          </button>
        </div>
      </div>
      <div className="list-editor">
        {item ? (
          <>
            <SchemaForm schema={itemSchema} value={item} path={[...path, index]} edit={edit} errors={errors} />
            {extra?.(item, index)}
          </>
        ) : (
          <p className="muted">Nothing here yet: Add one.</p>
        )}
      </div>
    </div>
  );
}

/** "Server", "Server 2", ... : the first name not taken. */
export function freshName(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; n < 1000; n++) if (!taken.includes(`${base} ${n}`)) return `${base} ${n}`;
  return `${base} ${Date.now()}`;
}
