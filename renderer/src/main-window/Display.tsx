/**
 * The LCD: one big value at a time (stream time, data sent, listeners, record time, record
 * size). A click shows the next one; "auto" cycles every few seconds.
 */
import type React from 'react';
import { useEffect, useState } from 'react';
import { useOperator } from '../store/operator-store';
import { clock, size } from '../store/format';

const CYCLE_MS = 4000;

const VIEWS = [
  { label: 'stream time', value: (s: ReturnType<typeof useOperator.getState>['status']) => clock(s.streamSeconds) },
  { label: 'data sent', value: (s: ReturnType<typeof useOperator.getState>['status']) => size(s.streamKBytes) },
  { label: 'listeners', value: (s: ReturnType<typeof useOperator.getState>['status']) => (s.listeners < 0 ? '–' : String(s.listeners)) },
  { label: 'record time', value: (s: ReturnType<typeof useOperator.getState>['status']) => clock(s.recordSeconds) },
  { label: 'record size', value: (s: ReturnType<typeof useOperator.getState>['status']) => size(s.recordKBytes) },
] as const;

function headline(connected: boolean, connecting: boolean, recording: boolean): string {
  if (connected) return recording ? 'ON AIR · REC' : 'ON AIR';
  if (connecting) return 'CONNECTING';
  if (recording) return 'RECORDING';
  return 'IDLE';
}

export function Display(): React.JSX.Element {
  const status = useOperator((s) => s.status);
  const [index, setIndex] = useState(0);
  const [auto, setAuto] = useState(false);
  useEffect(() => {
    if (!auto) return;
    const timer = setInterval(() => setIndex((i) => (i + 1) % VIEWS.length), CYCLE_MS);
    return () => clearInterval(timer);
  }, [auto]);
  const view = VIEWS[index]!;
  const state = status.connected ? 'on-air' : status.connecting ? 'connecting' : status.recording ? 'recording' : 'idle';
  return (
    <section className={`lcd lcd-${state}`} aria-label="Display">
      <button
        type="button"
        className="lcd-face"
        onClick={() => setIndex((i) => (i + 1) % VIEWS.length)}
        title="Click for the next value"
        aria-label={`${view.label}: ${view.value(status)}. Click for the next value.`}
      >
        <span className="lcd-state" data-testid="lcd-state">
          {headline(status.connected, status.connecting, status.recording)}
        </span>
        <span className="lcd-value" data-testid="lcd-value">
          {view.value(status)}
        </span>
        <span className="lcd-label" data-testid="lcd-label">
          {view.label}
        </span>
      </button>
      <label className="lcd-auto">
        <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> auto
      </label>
    </section>
  );
}
