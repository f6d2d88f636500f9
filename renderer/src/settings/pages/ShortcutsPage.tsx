/** Shortcuts: the in-window ones (fixed), and the global ones where the settings have them. */
import type React from 'react';
import type { z } from 'zod';
import { SettingsSchema } from '../../../../main/settings/settings-schema';
import { SHORTCUT_HINTS, type ShortcutAction } from '../../main-window/shortcuts';
import { SaveBar } from '../SaveBar';
import { SchemaField } from '../SchemaForm';
import { describe } from '../schema-fields';
import { getIn, useDraft } from '../use-draft';

const ACTIONS: Record<ShortcutAction, string> = {
  connect: 'Connect',
  disconnect: 'Stop streaming',
  record: 'Record / stop recording',
  stopAll: 'Stop all',
  title: 'Go to the title field',
  settings: 'Open settings',
};

function globalShortcutsSchema(): z.ZodType | undefined {
  const info = describe(SettingsSchema.shape.interface);
  return info.field.kind === 'object' ? info.field.shape.shortcuts : undefined;
}

export function ShortcutsPage(): React.JSX.Element {
  const api = useDraft(['interface']);
  const globalSchema = globalShortcutsSchema();
  return (
    <>
      <table className="shortcuts">
        <caption>In this window</caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Keys</th>
          </tr>
        </thead>
        <tbody>
          {(Object.keys(ACTIONS) as ShortcutAction[]).map((action) => (
            <tr key={action}>
              <td>{ACTIONS[action]}</td>
              <td>
                <kbd>{SHORTCUT_HINTS[action].label}</kbd>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {globalSchema ? (
        <>
          <SchemaField name="shortcuts" label="Global shortcuts (desktop app)" schema={globalSchema} value={getIn(api.draft, ['interface', 'shortcuts'])} path={['interface', 'shortcuts']} edit={api.edit} errors={api.errors} />
          <SaveBar api={api} />
        </>
      ) : (
        <p className="muted">Global shortcuts are set in the desktop app.</p>
      )}
      <p className="muted">Where global shortcuts do not work (Wayland), a second launch with a control flag does the same: airtight -s (connect), -d (disconnect), -r (record), -t (stop recording).</p>
    </>
  );
}
