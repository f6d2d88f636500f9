/**
 * Connects one transport to the stores: snapshots and events in, commands out. Components
 * call `run` and never see the transport, so the same UI works in Electron and in a browser.
 */
import type { CommandInput, CommandName, CommandResults } from '../../../main/protocol/operator-api';
import { asAppError, type OperatorTransport } from '../transport/operator-transport';
import { addUiError, applyEvent, applySnapshot, setLink } from './operator-store';
import { setLevels } from './levels';
import { reloadSettings, settingsChanged } from './settings-store';

let transport: OperatorTransport | undefined;

export function startSession(next: OperatorTransport): () => void {
  transport = next;
  const offs = [
    next.onLink((link) => {
      setLink(link);
    }),
    next.onSnapshot((snapshot) => {
      applySnapshot(snapshot);
      void reloadSettings();
    }),
    next.onEvent((name, data) => {
      if (name === 'audio.levels') setLevels(data);
      else if (name === 'settings.changed') settingsChanged(data);
      else applyEvent(name, data);
    }),
  ];
  return () => {
    offs.forEach((off) => off());
    next.close();
    if (transport === next) transport = undefined;
  };
}

export type RunResult<N extends CommandName> = { ok: true; result: CommandResults[N] } | { ok: false; error: { code: string; message: string } };

/**
 * Runs one command. A refusal is shown in the log panel (with `what` as its subject) and
 * returned as a value, so a form can also show it where the operator is looking.
 */
export async function run<N extends CommandName>(name: N, params?: CommandInput[N], what: string = name): Promise<RunResult<N>> {
  if (!transport) return { ok: false, error: { code: 'UI_NOT_READY', message: 'The UI is not connected yet.' } };
  try {
    const call = transport.command as (this: OperatorTransport, name: N, params?: CommandInput[N]) => Promise<CommandResults[N]>;
    return { ok: true, result: await call.call(transport, name, params) };
  } catch (thrown) {
    const error = asAppError(thrown);
    addUiError(error, what);
    return { ok: false, error };
  }
}

export async function quitApp(): Promise<void> {
  try {
    await transport?.quit();
  } catch (thrown) {
    addUiError(asAppError(thrown), 'Quit');
  }
}

export function transportKind(): 'desktop' | 'browser' | undefined {
  return transport?.kind;
}
