/** AES67 output settings, and the SDP receivers need (shown, downloadable). */
import type React from 'react';
import { useState } from 'react';
import { Aes67SettingsSchema } from '../../../../main/settings/aes67-settings-schema';
import { run } from '../../store/session';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { useDraft } from '../use-draft';
import { downloadText } from '../download';

export function Aes67Page(): React.JSX.Element {
  const api = useDraft(['aes67']);
  const [sdp, setSdp] = useState<{ text: string; running: boolean } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = async (): Promise<void> => {
    const got = await run('aes67.sdp', undefined, 'AES67 SDP');
    if (got.ok) {
      setSdp({ text: got.result.sdp, running: got.result.running });
      setError(undefined);
    } else setError(got.error.message);
  };
  return (
    <>
      <SchemaForm schema={Aes67SettingsSchema} value={api.draft.aes67} path={['aes67']} edit={api.edit} errors={api.errors} />
      <SaveBar api={api} />
      <fieldset className="group">
        <legend>SDP</legend>
        <div className="list-buttons">
          <button type="button" onClick={() => void load()}>
            Show SDP
          </button>
          <button type="button" disabled={!sdp} onClick={() => sdp && downloadText('airtight.sdp', sdp.text, 'application/sdp')}>
            Download .sdp
          </button>
        </div>
        {error && <p className="error-text">{error}</p>}
        {sdp && (
          <>
            <p className="muted">{sdp.running ? 'Being announced now.' : 'What would be announced (the output is off).'}</p>
            <textarea className="code" readOnly rows={10} value={sdp.text} aria-label="SDP" />
          </>
        )}
      </fieldset>
    </>
  );
}
