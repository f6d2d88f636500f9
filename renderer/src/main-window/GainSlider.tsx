/** Master gain, applied live (`gain.set`). Double-click resets to 0 dB. Sends are throttled: the API allows 10 commands a second. */
import type React from 'react';
import { useEffect, useRef, useState } from 'react';
import { useSettings } from '../store/settings-store';
import { run } from '../store/session';

const SEND_EVERY_MS = 150;

function savedGain(settings: Record<string, unknown> | undefined): number {
  const audio = settings?.audio as { dsp?: { masterGainDb?: number } } | undefined;
  return audio?.dsp?.masterGainDb ?? 0;
}

export function GainSlider(): React.JSX.Element {
  const settings = useSettings((s) => s.settings);
  const [db, setDb] = useState(() => savedGain(settings));
  const touched = useRef(false);
  const pending = useRef<number | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (!touched.current) setDb(savedGain(settings));
  }, [settings]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const send = (value: number): void => {
    touched.current = true;
    setDb(value);
    pending.current = value;
    if (timer.current) return;
    const flush = (): void => {
      const next = pending.current;
      pending.current = undefined;
      if (next === undefined) {
        timer.current = undefined;
        return;
      }
      void run('gain.set', { db: next }, 'Gain');
      timer.current = setTimeout(flush, SEND_EVERY_MS);
    };
    flush();
  };

  return (
    <section className="gain">
      <label htmlFor="gain">Gain</label>
      <input
        id="gain"
        type="range"
        min={-24}
        max={24}
        step={0.5}
        value={db}
        aria-valuetext={`${db.toFixed(1)} dB`}
        title="Double-click to reset to 0 dB"
        onChange={(e) => send(Number(e.target.value))}
        onDoubleClick={() => send(0)}
      />
      <span className="gain-value" aria-hidden="true" data-testid="gain-value">
        {db > 0 ? '+' : ''}
        {db.toFixed(1)} dB
      </span>
    </section>
  );
}
