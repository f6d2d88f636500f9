/** Shortcuts: the in-window ones (fixed), and the global ones where the settings have them. */
import type React from 'react';
import type { z } from 'zod';
import { SettingsSchema } from '../../../../main/settings/settings-schema';
import { ACTION_NAMES, shortcutKeys, type ShortcutAction } from '../../main-window/shortcuts';
import { displayAccelerator } from '../../main-window/accelerator';
import { useSettings } from '../../store/settings-store';
import { SaveBar } from '../SaveBar';
import { SchemaField } from '../SchemaForm';
import { describe } from '../schema-fields';
import { getIn, useDraft } from '../use-draft';

function globalShortcutsSchema(): z.ZodType | undefined {
  const info = describe(SettingsSchema.shape.interface);
  return info.field.kind === 'object' ? info.field.shape.shortcuts : undefined;
}

export function ShortcutsPage(): React.JSX.Element {
  const api = useDraft(['interface']);
  const globalSchema = globalShortcutsSchema();
  const keys = shortcutKeys(useSettings((s) => s.settings));
  return (
    <>
      <table className="shortcuts">
        <caption>In this window (as saved; the window keys are edited below)</caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Keys</th>
          </tr>
        </thead>
        <tbody>
          {(Object.keys(ACTION_NAMES) as ShortcutAction[]).map((action) => (
            <tr key={action}>
              <td>{ACTION_NAMES[action]}</td>
              <td>{keys[action] ? <kbd>{displayAccelerator(keys[action])}</kbd> : <span className="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {globalSchema ? (
        <>
          <SchemaField name="shortcuts" label="Shortcuts" schema={globalSchema} value={getIn(api.draft, ['interface', 'shortcuts'])} path={['interface', 'shortcuts']} edit={api.edit} errors={api.errors} />
          <SaveBar api={api} />
        </>
      ) : (
        <p className="muted">Global shortcuts are set in the desktop app.</p>
      )}
      <p className="muted">Where global shortcuts do not work (Wayland), a second launch with a control flag does the same: airtight -s (connect), -d (disconnect), -r (record), -t (stop recording).</p>
    </>
  );
}
