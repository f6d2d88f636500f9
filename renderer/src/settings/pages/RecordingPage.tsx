/** Recording: folder and file-name template (BUTT tokens) with the resulting path previewed live. */
import type React from 'react';
import { useEffect, useState } from 'react';
import { RecordSettingsSchema } from '../../../../main/settings/audio-settings-schema';
import { RecordAutomationSchema } from '../../../../main/settings/automation-settings-schema';
import { run } from '../../store/session';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { getIn, useDraft } from '../use-draft';

const PREVIEW_AFTER_MS = 300;

export function RecordingPage(): React.JSX.Element {
  const api = useDraft(['audio', 'recordAutomation']);
  const folder = String(getIn(api.draft, ['audio', 'record', 'folder']) ?? '');
  const template = String(getIn(api.draft, ['audio', 'record', 'fileName']) ?? '');
  const [preview, setPreview] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  useEffect(() => {
    if (!folder || !template) return;
    const timer = setTimeout(async () => {
      const got = await run('record.previewName', { folder, template }, 'File name preview');
      setPreview(got.ok ? { ok: true, text: got.result.path } : { ok: false, text: got.error.message });
    }, PREVIEW_AFTER_MS);
    return () => clearTimeout(timer);
  }, [folder, template]);
  return (
    <>
      <fieldset className="group">
        <legend>Files</legend>
        <SchemaForm schema={RecordSettingsSchema} value={getIn(api.draft, ['audio', 'record'])} path={['audio', 'record']} edit={api.edit} errors={api.errors} hidden={['codec', 'codecs', 'wav']} labels={{ folder: 'Folder', fileName: 'File name template' }} />
        <p className="preview" aria-live="polite" data-testid="record-preview">
          Next file: <span className={`path ${preview?.ok === false ? 'error-text' : ''}`}>{preview?.text ?? '…'}</span>
        </p>
        <p className="muted">
          Tokens: %Y %m %d %H %M %S (date and time), %N (counter), %i (index). The folder is on the machine running Airtight.
        </p>
      </fieldset>
      <fieldset className="group">
        <legend>Automation</legend>
        <SchemaForm schema={RecordAutomationSchema} value={api.draft.recordAutomation} path={['recordAutomation']} edit={api.edit} errors={api.errors} />
      </fieldset>
      <SaveBar api={api} />
    </>
  );
}
