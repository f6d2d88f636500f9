/** The app shell: header with the view switch, the link banner, main window or settings, shutdown steps. */
import type React from 'react';
import { useCallback, useEffect, useState } from 'react';
import { MainWindow } from './main-window/MainWindow';
import { LinkBanner } from './main-window/LinkBanner';
import { EngineStatus } from './main-window/EngineStatus';
import { ShutdownView } from './main-window/ShutdownView';
import { useShortcuts } from './main-window/use-shortcuts';
import { SettingsView, type SettingsPageId } from './settings/SettingsView';
import { useOperator } from './store/operator-store';
import { useSettings } from './store/settings-store';
import { startSession } from './store/session';
import { pickTransport } from './transport/pick-transport';

type View = { view: 'main' } | { view: 'settings'; page: SettingsPageId };

/** `#settings/<page>` opens a settings page directly (bookmarks, tests' screenshots). */
function viewFromHash(hash: string): View {
  const match = /^#settings(?:\/([a-z0-9-]+))?$/.exec(hash);
  return match ? { view: 'settings', page: (match[1] ?? 'servers') as SettingsPageId } : { view: 'main' };
}

function stateWords(connected: boolean, connecting: boolean, recording: boolean): string {
  const parts = [connected ? 'On air' : connecting ? 'Connecting' : 'Not streaming', recording ? 'recording' : 'not recording'];
  return parts.join(', ');
}

export function App(): React.JSX.Element {
  const [view, setView] = useState<View>(() => viewFromHash(window.location.hash));
  const status = useOperator((s) => s.status);
  const onAir = status.connected;
  const offline = useOperator((s) => s.link.state === 'disconnected');
  useEffect(() => startSession(pickTransport()), []);
  // interface.theme: 'dark', 'light' or 'system' (styles.css follows the system's preference then).
  const theme = useSettings((s) => (s.settings?.interface as { theme?: string } | undefined)?.theme ?? 'dark');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    const onHash = (): void => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const go = useCallback((next: View) => {
    window.location.hash = next.view === 'main' ? '' : `settings/${next.page}`;
    setView(next);
  }, []);
  const toggleSettings = useCallback(() => go(view.view === 'main' ? { view: 'settings', page: 'servers' } : { view: 'main' }), [go, view.view]);
  const showMain = useCallback(() => view.view !== 'main' && go({ view: 'main' }), [go, view.view]);
  useShortcuts(toggleSettings, showMain);
  return (
    <div className={`app ${onAir ? 'app-on-air' : ''} ${offline ? 'app-offline' : ''}`}>
      <header className="app-header">
        <h1>Airtight</h1>
        <p className="sr-only" aria-live="polite" data-testid="live-state">
          {stateWords(status.connected, status.connecting, status.recording)}
        </p>
        <nav aria-label="Views">
          <button type="button" aria-current={view.view === 'main' ? 'page' : undefined} onClick={() => go({ view: 'main' })}>
            Main
          </button>
          <button type="button" aria-current={view.view === 'settings' ? 'page' : undefined} aria-keyshortcuts="Alt+S" onClick={() => go({ view: 'settings', page: view.view === 'settings' ? view.page : 'servers' })}>
            Settings
          </button>
        </nav>
      </header>
      <EngineStatus />
      <LinkBanner />
      <ShutdownView />
      <main>{view.view === 'main' ? <MainWindow /> : <SettingsView page={view.page} onPage={(page) => go({ view: 'settings', page })} />}</main>
    </div>
  );
}
