import type { AirtightApi } from '../../main/protocol/ui-contract';

declare global {
  interface Window {
    airtight: AirtightApi;
  }
}
