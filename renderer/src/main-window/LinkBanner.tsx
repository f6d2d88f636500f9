/** Says plainly when this page has lost Airtight, and when it tries again. */
import type React from 'react';
import { useOperator } from '../store/operator-store';

export function LinkBanner(): React.JSX.Element | null {
  const link = useOperator((s) => s.link);
  const engine = useOperator((s) => s.engine);
  if (link.state === 'disconnected') {
    return (
      <p className="banner banner-error" role="alert" data-testid="link-banner">
        Disconnected from Airtight ({link.reason}). Trying again in {Math.ceil(link.retryInMs / 1000)} s…
      </p>
    );
  }
  if (link.state === 'connecting') {
    return (
      <p className="banner" role="status" data-testid="link-banner">
        Connecting to Airtight…
      </p>
    );
  }
  if (engine.state !== 'running') {
    return (
      <p className={`banner ${engine.state === 'failed' ? 'banner-error' : ''}`} role="status">
        Engine {engine.state}
        {engine.reason ? `: ${engine.reason}` : ''}
      </p>
    );
  }
  return null;
}
