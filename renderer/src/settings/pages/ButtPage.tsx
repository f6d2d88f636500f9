/** Import a BUTT .buttrc (replaces the settings; passwords go to the secret store) and export one. */
import type React from 'react';
import { useState } from 'react';
import { MAX_BUTTRC_TEXT } from '../../../../main/protocol/operator-api';
import { run } from '../../store/session';
import { reloadSettings } from '../../store/settings-store';
import { downloadText } from '../download';

function warningText(warning: unknown): string {
  if (typeof warning === 'string') return warning;
  const w = warning as { message?: string; section?: string; key?: string };
  return w.message ?? JSON.stringify(warning);
}

export function ButtPage(): React.JSX.Element {
  const [text, setText] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string; warnings: string[] } | undefined>(undefined);
  const [exported, setExported] = useState<string | undefined>(undefined);
  return (
    <div className="columns">
      <fieldset className="group">
        <legend>Import a BUTT config</legend>
        <div className="field">
          <label htmlFor="buttrc-file">.buttrc file</label>
          <input
            id="buttrc-file"
            type="file"
            accept=".buttrc,.txt,text/plain"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) setText((await file.text()).slice(0, MAX_BUTTRC_TEXT));
            }}
          />
        </div>
        <label htmlFor="buttrc-text">or paste it</label>
        <textarea id="buttrc-text" className="code" rows={10} maxLength={MAX_BUTTRC_TEXT} value={text} onChange={(e) => setText(e.target.value)} />
        <button
          type="button"
          disabled={!text.trim()}
          onClick={async () => {
            const got = await run('settings.importButtrc', { text }, 'BUTT import');
            if (got.ok) {
              setResult({ ok: true, text: 'Imported: the settings were replaced.', warnings: got.result.warnings.map(warningText) });
              void reloadSettings();
            } else setResult({ ok: false, text: got.error.message, warnings: [] });
          }}
        >
          Import (replaces the settings)
        </button>
        {result && (
          <div role="status">
            <p className={result.ok ? 'ok-text' : 'error-text'}>{result.text}</p>
            {result.warnings.length > 0 && (
              <ul className="warnings">
                {result.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </fieldset>
      <fieldset className="group">
        <legend>Export as BUTT config</legend>
        <p className="muted">BUTT keeps server passwords in its file, so the export carries them: keep it private.</p>
        <div className="list-buttons">
          <button
            type="button"
            onClick={async () => {
              const got = await run('settings.exportButtrc', undefined, 'BUTT export');
              if (got.ok) setExported(got.result.text);
            }}
          >
            Export
          </button>
          <button type="button" disabled={exported === undefined} onClick={() => exported !== undefined && downloadText('airtight.buttrc', exported)}>
            Download .buttrc
          </button>
        </div>
        {exported !== undefined && <textarea className="code" readOnly rows={10} value={exported} aria-label="Exported BUTT config" />}
      </fieldset>
    </div>
  );
}
