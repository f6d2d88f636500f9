/** DSP: master gain, and per path (stream, record) gain, 10-band EQ, compressor, limiter. */
import type React from 'react';
import { dspSettingsSchema, EQ_BAND_FREQUENCIES } from '../../../../main/engine/audio/dsp/dsp-settings';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { getIn, useDraft } from '../use-draft';

const BAND_LABELS = EQ_BAND_FREQUENCIES.map((hz) => (hz >= 1000 ? `${hz / 1000} kHz` : `${hz} Hz`));

export function DspPage(): React.JSX.Element {
  const api = useDraft(['audio']);
  return (
    <>
      <SchemaForm schema={dspSettingsSchema} value={getIn(api.draft, ['audio', 'dsp'])} path={['audio', 'dsp']} edit={api.edit} errors={api.errors} labels={{ stream: 'Stream path', record: 'Record path' }} listLabels={{ gainsDb: BAND_LABELS }} />
      <SaveBar api={api} />
    </>
  );
}
