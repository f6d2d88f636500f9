/** Audio input: the device (from a fresh `audio.devices` scan), channels, sample rate, fallback. */
import type React from 'react';
import { useEffect, useState } from 'react';
import type { AudioDeviceInfo } from '../../../../main/protocol/operator-api';
import { InputSettingsSchema, SignalDetectionLevelsSchema } from '../../../../main/settings/audio-settings-schema';
import { run } from '../../store/session';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { getIn, useDraft } from '../use-draft';

const RATES = [22050, 32000, 44100, 48000, 88200, 96000];

export function AudioPage(): React.JSX.Element {
  const api = useDraft(['audio']);
  const [devices, setDevices] = useState<AudioDeviceInfo[] | undefined>(undefined);
  const [scanError, setScanError] = useState<string | undefined>(undefined);
  const scan = async (): Promise<void> => {
    const got = await run('audio.devices', undefined, 'Audio devices');
    if (got.ok) {
      setDevices(got.result.devices);
      setScanError(undefined);
    } else setScanError(got.error.message);
  };
  useEffect(() => void scan(), []);
  const deviceName = getIn(api.draft, ['audio', 'input', 'deviceName']) as string | undefined;
  const device = devices?.find((d) => d.name === deviceName);
  const rate = getIn(api.draft, ['audio', 'input', 'sampleRate']) as number;
  return (
    <>
      <fieldset className="group">
        <legend>Device</legend>
        <div className="field">
          <label htmlFor="device">Input device</label>
          <div className="field-row">
          <select id="device" value={deviceName ?? ''} onChange={(e) => api.edit(['audio', 'input', 'deviceName'], e.target.value || undefined)}>
            <option value="">System default</option>
            {deviceName && !device && <option value={deviceName}>{deviceName} (not found now)</option>}
            {(devices ?? []).map((d) => (
              <option key={`${d.hostApi}-${d.name}`} value={d.name}>
                {d.name} ({d.hostApi}, {d.maxInputChannels} ch){d.isDefault ? ' · default' : ''}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void scan()}>
            Refresh
          </button>
          </div>
        </div>
        {scanError && <p className="error-text">{scanError}</p>}
        {devices && devices.length === 0 && <p className="muted">No input device found: Airtight runs on its fallback source.</p>}
        {device && (
          <p className="muted">
            {device.maxInputChannels} input channels, default rate {device.defaultSampleRate} Hz
          </p>
        )}
        <div className="field">
          <label htmlFor="rate-pick">Common rates</label>
          <select id="rate-pick" value={RATES.includes(rate) ? String(rate) : ''} onChange={(e) => e.target.value && api.edit(['audio', 'input', 'sampleRate'], Number(e.target.value))}>
            <option value="">other</option>
            {RATES.map((r) => (
              <option key={r} value={r}>
                {r} Hz
              </option>
            ))}
          </select>
        </div>
      </fieldset>
      <fieldset className="group">
        <legend>Input</legend>
        <SchemaForm schema={InputSettingsSchema} value={getIn(api.draft, ['audio', 'input'])} path={['audio', 'input']} edit={api.edit} errors={api.errors} hidden={['deviceName']} />
      </fieldset>
      <fieldset className="group">
        <legend>Signal detection</legend>
        <SchemaForm schema={SignalDetectionLevelsSchema} value={getIn(api.draft, ['audio', 'signalDetection'])} path={['audio', 'signalDetection']} edit={api.edit} errors={api.errors} />
      </fieldset>
      <SaveBar api={api} />
    </>
  );
}
