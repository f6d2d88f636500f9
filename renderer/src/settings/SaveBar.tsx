/** Save / revert for a page, with what happened (saved, invalid fields, or the host's refusal). */
import type React from 'react';
import type { DraftApi } from './use-draft';

export function SaveBar({ api }: { api: DraftApi }): React.JSX.Element {
  return (
    <div className="save-bar">
      <button type="button" className="primary" disabled={api.saving || !api.loaded} onClick={() => void api.save()}>
        {api.saving ? 'Saving…' : 'Save'}
      </button>
      <button type="button" disabled={!api.dirty || api.saving} onClick={api.revert}>
        Revert
      </button>
      <span className={`save-message ${api.message?.kind === 'saved' ? 'ok-text' : 'error-text'}`} role={api.message?.kind === 'saved' ? 'status' : 'alert'} aria-live="polite">
        {api.message?.text ?? (api.dirty ? 'Unsaved changes' : '')}
      </span>
    </div>
  );
}
