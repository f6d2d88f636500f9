import type { AirtightApi } from '../../main/protocol/ui-contract';
import type { OperatorClient } from '../../main/protocol/operator-api';

declare global {
  interface Window {
    /** Present in the desktop app only (the preload bridge); a browser page has none. */
    airtight?: Omit<AirtightApi, 'operator'> & { operator?: OperatorClient };
  }
}
