/** The song title: Enter or the button sends it (`title.set`); the servers' answers show below. */
import type React from 'react';
import { useState } from 'react';
import { MAX_TITLE_LENGTH } from '../../../main/protocol/operator-api';
import { useOperator } from '../store/operator-store';
import { run } from '../store/session';
import { useShortcutHint } from './shortcuts';

export function TitleField(): React.JSX.Element {
  const song = useOperator((s) => s.status.song);
  const titles = useOperator((s) => s.titles);
  const [text, setText] = useState('');
  const hint = useShortcutHint('title');
  const refused = Object.entries(titles).filter(([, t]) => !t.ok);
  const submit = (event: React.FormEvent): void => {
    event.preventDefault();
    void run('title.set', { title: text }, 'Title');
  };
  return (
    <form className="title" onSubmit={submit} aria-label="Song title">
      <label htmlFor="title-input">
        Title <kbd>{hint.label}</kbd>
      </label>
      <input
        id="title-input"
        type="text"
        maxLength={MAX_TITLE_LENGTH}
        value={text}
        placeholder={song || 'Artist - Song'}
        aria-keyshortcuts={hint.aria}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit">Send</button>
      <p className="now-playing" aria-live="polite">
        {song ? `Now: ${song}` : 'No title sent'}
        {refused.map(([server, t]) => (
          <span key={server} className="error-text">
            {' '}
            {server} refused the title: {t.error?.message ?? 'no reason given'}
          </span>
        ))}
      </p>
    </form>
  );
}
