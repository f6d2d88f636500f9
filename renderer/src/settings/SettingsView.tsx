/** Settings, one page per topic, as tabs (arrow keys move between them, as screen readers expect). */
import type React from 'react';
import { useRef } from 'react';
import { useSettings } from '../store/settings-store';
import { ServersPage } from './pages/ServersPage';
import { StreamInfosPage } from './pages/StreamInfosPage';
import { AudioPage } from './pages/AudioPage';
import { CodecsPage } from './pages/CodecsPage';
import { RecordingPage } from './pages/RecordingPage';
import { DspPage } from './pages/DspPage';
import { Aes67Page } from './pages/Aes67Page';
import { InterfacePage } from './pages/InterfacePage';
import { ShortcutsPage } from './pages/ShortcutsPage';
import { ControlPage } from './pages/ControlPage';
import { ButtPage } from './pages/ButtPage';

export const SETTINGS_PAGES = [
  { id: 'servers', title: 'Servers', Page: ServersPage },
  { id: 'stream-infos', title: 'Stream infos', Page: StreamInfosPage },
  { id: 'audio', title: 'Audio devices', Page: AudioPage },
  { id: 'codecs', title: 'Codecs', Page: CodecsPage },
  { id: 'recording', title: 'Recording', Page: RecordingPage },
  { id: 'dsp', title: 'DSP', Page: DspPage },
  { id: 'aes67', title: 'AES67', Page: Aes67Page },
  { id: 'interface', title: 'Interface', Page: InterfacePage },
  { id: 'shortcuts', title: 'Shortcuts', Page: ShortcutsPage },
  { id: 'control', title: 'Control port', Page: ControlPage },
  { id: 'butt', title: 'BUTT config', Page: ButtPage },
] as const;
export type SettingsPageId = (typeof SETTINGS_PAGES)[number]['id'];

export function SettingsView({ page, onPage }: { page: SettingsPageId; onPage(page: SettingsPageId): void }): React.JSX.Element {
  const loadError = useSettings((s) => s.loadError);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const current = SETTINGS_PAGES.find((p) => p.id === page) ?? SETTINGS_PAGES[0];
  const move = (event: React.KeyboardEvent, index: number): void => {
    const step = event.key === 'ArrowDown' || event.key === 'ArrowRight' ? 1 : event.key === 'ArrowUp' || event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = (index + step + SETTINGS_PAGES.length) % SETTINGS_PAGES.length;
    onPage(SETTINGS_PAGES[next]!.id);
    tabs.current[next]?.focus();
  };
  return (
    <div className="settings">
      <div role="tablist" aria-label="Settings pages" aria-orientation="vertical" className="tabs">
        {SETTINGS_PAGES.map((p, i) => (
          <button
            key={p.id}
            ref={(el) => void (tabs.current[i] = el)}
            type="button"
            role="tab"
            id={`tab-${p.id}`}
            aria-selected={p.id === current.id}
            aria-controls={`panel-${p.id}`}
            tabIndex={p.id === current.id ? 0 : -1}
            onClick={() => onPage(p.id)}
            onKeyDown={(e) => move(e, i)}
          >
            {p.title}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="settings-page">
        <h2>{current.title}</h2>
        {loadError && (
          <p className="error-text" role="alert">
            Settings could not be loaded: {loadError.message}
          </p>
        )}
        <current.Page key={current.id} />
      </section>
    </div>
  );
}
