/** The engine's state in words, always visible: the page's one role=status line. */
import type React from 'react';
import { useOperator, type EngineInfo } from '../store/operator-store';

export function engineLabel(engine: EngineInfo): string {
  switch (engine.state) {
    case 'running':
      return engine.pid !== undefined ? `Engine running (pid ${engine.pid})` : 'Engine running';
    case 'starting':
      return 'Engine starting…';
    case 'restarting':
      return `Engine restarting: ${engine.reason ?? ''}`;
    case 'failed':
      return `Engine stopped: ${engine.reason ?? ''}`;
    default:
      return `Engine ${engine.state}`;
  }
}

export function EngineStatus(): React.JSX.Element {
  const engine = useOperator((s) => s.engine);
  const notice = useOperator((s) => s.notice);
  // Without the link the last state seen may be long gone: say that instead of repeating it.
  const offline = useOperator((s) => s.link.state !== 'open');
  return (
    <>
      <p role="status" className={`engine engine-${offline ? 'unknown' : engine.state}`}>
        {offline ? 'Engine state unknown (not connected)' : engineLabel(engine)}
      </p>
      {notice && (
        <p role="alert" className="banner">
          {notice}
        </p>
      )}
    </>
  );
}
