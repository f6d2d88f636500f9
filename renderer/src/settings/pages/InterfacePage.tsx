/** Interface: every field of the settings' `interface` section (theme, tray, confirmations...). */
import type React from 'react';
import { SettingsSchema } from '../../../../main/settings/settings-schema';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { useDraft } from '../use-draft';

export function InterfacePage(): React.JSX.Element {
  const api = useDraft(['interface']);
  return (
    <>
      <SchemaForm schema={SettingsSchema.shape.interface} value={api.draft.interface} path={['interface']} edit={api.edit} errors={api.errors} hidden={['shortcuts']} />
      <SaveBar api={api} />
    </>
  );
}
