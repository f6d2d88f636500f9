/** AES67 output: running or not, the PTP clock and its grandmaster, packets and late packets. */
import type React from 'react';
import { useOperator } from '../store/operator-store';
import { run } from '../store/session';

export function Aes67Status(): React.JSX.Element {
  const aes67 = useOperator((s) => s.aes67);
  const linkOpen = useOperator((s) => s.link.state === 'open');
  const running = aes67.running === true;
  return (
    <section className="aes67" aria-label="AES67 output">
      <h2>AES67</h2>
      <dl>
        <dt>Output</dt>
        <dd className={running ? 'ok-text' : 'muted'}>{running ? 'sending' : 'off'}</dd>
        <dt>Clock</dt>
        <dd className={aes67.clockState === 'locked' ? 'ok-text' : ''}>{aes67.clockState ?? '–'}</dd>
        <dt>Grandmaster</dt>
        <dd>{aes67.grandmaster ?? '–'}</dd>
        <dt>Packets</dt>
        <dd>{aes67.packets ?? '–'}</dd>
        <dt>Late</dt>
        <dd className={aes67.late ? 'error-text' : ''}>{aes67.late ?? '–'}</dd>
      </dl>
      {aes67.error && <p className="error-text">{aes67.error.message}</p>}
      <button type="button" className="small" disabled={!linkOpen} onClick={() => void run(running ? 'aes67.stop' : 'aes67.start', undefined, 'AES67')}>
        {running ? 'Stop AES67' : 'Start AES67'}
      </button>
    </section>
  );
}
