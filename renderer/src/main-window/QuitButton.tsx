/**
 * Quit. While on air (streaming or recording) it asks first, unless the operator turned that
 * off (interface.confirmQuitWhileOnAir). In the desktop app main asks, natively.
 */
import type React from 'react';
import { useRef } from 'react';
import { isOnAir, useOperator } from '../store/operator-store';
import { useSettings } from '../store/settings-store';
import { quitApp, transportKind } from '../store/session';

export function QuitButton(): React.JSX.Element {
  const onAir = useOperator(isOnAir);
  const shuttingDown = useOperator((s) => s.shutdown !== undefined);
  const confirm = useSettings((s) => (s.settings?.interface as { confirmQuitWhileOnAir?: boolean } | undefined)?.confirmQuitWhileOnAir ?? true);
  const dialog = useRef<HTMLDialogElement | null>(null);
  const ask = (): void => {
    // The desktop app asks in main (a native dialog, also for the tray and Ctrl+Q): not twice.
    if (onAir && confirm && transportKind() === 'browser') dialog.current?.showModal();
    else void quitApp();
  };
  return (
    <>
      <button type="button" className="quit" disabled={shuttingDown} onClick={ask}>
        Quit Airtight
      </button>
      <dialog ref={dialog} aria-labelledby="quit-title" className="confirm">
        <h2 id="quit-title">Quit while on air?</h2>
        <p>Streaming or recording is running. Quitting stops it and closes the recording.</p>
        <div className="dialog-buttons">
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            Keep running
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              dialog.current?.close();
              void quitApp();
            }}
          >
            Quit now
          </button>
        </div>
      </dialog>
    </>
  );
}
