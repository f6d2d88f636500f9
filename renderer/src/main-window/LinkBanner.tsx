/** Says plainly when this page has lost Airtight, and when it tries again. */
import type React from 'react';
import { useOperator } from '../store/operator-store';

export function LinkBanner(): React.JSX.Element | null {
  const link = useOperator((s) => s.link);
  if (link.state === 'disconnected') {
    return (
      <p className="banner banner-error" role="alert" data-testid="link-banner">
        Disconnected from Airtight ({link.reason}). Trying again in {Math.ceil(link.retryInMs / 1000)} s…
      </p>
    );
  }
  if (link.state === 'connecting') {
    return (
      <p className="banner" aria-live="polite" data-testid="link-banner">
        Connecting to Airtight…
      </p>
    );
  }
  return null;
}
