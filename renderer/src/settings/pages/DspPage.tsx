/** DSP: master gain, and per path (stream, record) gain, 10-band EQ, compressor, limiter. */
import type React from 'react';
import { dspSettingsSchema, EQ_BAND_FREQUENCIES } from '../../../../main/engine/audio/dsp/dsp-settings';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { getIn, useDraft } from '../use-draft';

export function DspPage(): React.JSX.Element {
  const api = useDraft(['audio']);
  return (
    <>
      <p className="muted">EQ bands (Hz): {EQ_BAND_FREQUENCIES.join(', ')}.</p>
      <SchemaForm schema={dspSettingsSchema} value={getIn(api.draft, ['audio', 'dsp'])} path={['audio', 'dsp']} edit={api.edit} errors={api.errors} labels={{ stream: 'Stream path', record: 'Record path' }} />
      <SaveBar api={api} />
    </>
  );
}
