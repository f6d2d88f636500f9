/** Codecs of the stream and the recording; each codec keeps its own options (advanced: all of them). */
import type React from 'react';
import { useState } from 'react';
import { RECORD_CODECS, RecordSettingsSchema } from '../../../../main/settings/audio-settings-schema';
import { STREAM_CODECS } from '../../../../main/settings/server-settings-schema';
import { RecordCodecSectionsSchema, StreamCodecSectionsSchema } from '../../../../main/engine/audio/encoders/encoder-settings';
import { SaveBar } from '../SaveBar';
import { SchemaField, SchemaForm } from '../SchemaForm';
import { getIn, useDraft } from '../use-draft';

function CodecPick({ id, label, codecs, value, onPick }: { id: string; label: string; codecs: readonly string[]; value: string; onPick(codec: string): void }): React.JSX.Element {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onPick(e.target.value)}>
        {codecs.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CodecsPage(): React.JSX.Element {
  const api = useDraft(['stream', 'audio']);
  const [advanced, setAdvanced] = useState(false);
  const streamCodec = String(getIn(api.draft, ['stream', 'codec']));
  const recordCodec = String(getIn(api.draft, ['audio', 'record', 'codec']));
  const streamSections = getIn(api.draft, ['audio', 'streamCodecs']);
  const recordSections = getIn(api.draft, ['audio', 'record', 'codecs']);
  return (
    <>
      <label className="field-check advanced-toggle">
        <input type="checkbox" checked={advanced} onChange={(e) => setAdvanced(e.target.checked)} /> Show every codec's options (advanced)
      </label>
      <div className="columns">
        <fieldset className="group">
          <legend>Stream</legend>
          <CodecPick id="stream-codec" label="Stream codec" codecs={STREAM_CODECS} value={streamCodec} onPick={(c) => api.edit(['stream', 'codec'], c)} />
          {advanced ? (
            <SchemaForm schema={StreamCodecSectionsSchema} value={streamSections} path={['audio', 'streamCodecs']} edit={api.edit} errors={api.errors} />
          ) : (
            <SchemaField name={streamCodec} label={`${streamCodec} options`} schema={StreamCodecSectionsSchema.shape[streamCodec as keyof typeof StreamCodecSectionsSchema.shape]} value={getIn(streamSections, [streamCodec])} path={['audio', 'streamCodecs', streamCodec]} edit={api.edit} errors={api.errors} />
          )}
          <p className="muted">A server can name its own codec (Servers page); equal settings share one encoder.</p>
        </fieldset>
        <fieldset className="group">
          <legend>Recording</legend>
          <CodecPick id="record-codec" label="Record codec" codecs={RECORD_CODECS} value={recordCodec} onPick={(c) => api.edit(['audio', 'record', 'codec'], c)} />
          {recordCodec === 'wav' || advanced ? (
            <SchemaForm schema={RecordSettingsSchema} value={getIn(api.draft, ['audio', 'record'])} path={['audio', 'record']} edit={api.edit} errors={api.errors} only={['wav']} />
          ) : null}
          {advanced ? (
            <SchemaForm schema={RecordCodecSectionsSchema} value={recordSections} path={['audio', 'record', 'codecs']} edit={api.edit} errors={api.errors} />
          ) : recordCodec !== 'wav' ? (
            <SchemaField name={recordCodec} label={`${recordCodec} options`} schema={RecordCodecSectionsSchema.shape[recordCodec as keyof typeof RecordCodecSectionsSchema.shape]} value={getIn(recordSections, [recordCodec])} path={['audio', 'record', 'codecs', recordCodec]} edit={api.edit} errors={api.errors} />
          ) : null}
        </fieldset>
      </div>
      <SaveBar api={api} />
    </>
  );
}
