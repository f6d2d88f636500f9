/** Servers: add, edit, delete (validated by ServerSchema), password into the secret store, test connection. */
import type React from 'react';
import { useState } from 'react';
import { ServerSchema, StreamSettingsSchema } from '../../../../main/settings/server-settings-schema';
import { run } from '../../store/session';
import { useSettings } from '../../store/settings-store';
import { ObjectList, freshName } from '../ObjectList';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { useDraft } from '../use-draft';

function ServerExtras({ name, saved }: { name: string; saved: boolean }): React.JSX.Element {
  const [password, setPassword] = useState('');
  const [note, setNote] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const hasPassword = useSettings((s) => ((s.settings?.stream as { servers?: { name: string; hasPassword?: boolean }[] } | undefined)?.servers ?? []).find((x) => x.name === name)?.hasPassword);
  return (
    <fieldset className="group">
      <legend>Password and test</legend>
      {!saved && <p className="muted">Save the server first.</p>}
      <div className="field">
        <label htmlFor="server-password">Password {hasPassword ? '(one is stored)' : '(none stored)'}</label>
        <input id="server-password" type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} disabled={!saved} />
      </div>
      <div className="list-buttons">
        <button
          type="button"
          disabled={!saved}
          onClick={async () => {
            const set = await run('server.setPassword', { server: name, password }, `Password of ${name}`);
            setNote(set.ok ? { ok: true, text: password ? 'Password stored.' : 'Password cleared.' } : { ok: false, text: set.error.message });
            if (set.ok) setPassword('');
          }}
        >
          Set password
        </button>
        <button
          type="button"
          disabled={!saved}
          onClick={async () => {
            setNote({ ok: true, text: 'Testing…' });
            const tested = await run('server.test', { server: name }, `Test of ${name}`);
            setNote(tested.ok ? { ok: tested.result.ok, text: `${tested.result.message} (${Math.round(tested.result.ms)} ms)` } : { ok: false, text: tested.error.message });
          }}
        >
          Test connection
        </button>
      </div>
      {note && (
        <p className={note.ok ? 'ok-text' : 'error-text'} role="status" data-testid="server-note">
          {note.text}
        </p>
      )}
    </fieldset>
  );
}

export function ServersPage(): React.JSX.Element {
  const api = useDraft(['stream']);
  const stream = api.draft.stream as { servers: Record<string, unknown>[] };
  // Select the stable settings object, derive after: a selector returning a new array re-renders forever.
  const settings = useSettings((s) => s.settings);
  const savedNames = ((settings?.stream as { servers?: { name: string }[] } | undefined)?.servers ?? []).map((x) => x.name);
  return (
    <>
      <ObjectList
        title="Servers"
        itemSchema={ServerSchema}
        items={stream.servers}
        path={['stream', 'servers']}
        edit={api.edit}
        errors={api.errors}
        newItem={(names) => ServerSchema.parse({ name: freshName('Server', names), address: '127.0.0.1' })}
        extra={(item) => <ServerExtras name={String(item.name)} saved={savedNames.includes(String(item.name)) && !api.dirty} />}
      />
      <fieldset className="group">
        <legend>Streaming</legend>
        <SchemaForm schema={StreamSettingsSchema} value={stream} path={['stream']} edit={api.edit} errors={api.errors} hidden={['servers', 'streamInfos', 'codec']} />
      </fieldset>
      <SaveBar api={api} />
    </>
  );
}
