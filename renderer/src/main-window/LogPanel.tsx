/** The operator log, newest last, with times; errors carry their code. */
import type React from 'react';
import { useEffect, useRef } from 'react';
import { useOperator } from '../store/operator-store';
import { timeOfDay } from '../store/format';

export function LogPanel(): React.JSX.Element {
  const log = useOperator((s) => s.log);
  const list = useRef<HTMLOListElement | null>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);
  return (
    <section className="log" aria-label="Log">
      <h2>Log</h2>
      <ol ref={list} tabIndex={0} aria-label="Log entries">
        {log.map((entry, i) => (
          <li key={`${entry.time}-${i}`} className={`log-${entry.level}`}>
            <time dateTime={entry.time}>{timeOfDay(entry.time)}</time> {entry.message}
            {entry.error ? <span className="log-code"> [{entry.error.code}]</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
