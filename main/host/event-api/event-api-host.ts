/**
 * What the event API needs from the host. The server codes against this, not against Host,
 * so it can be tested with an in-memory host and wired without touching the server.
 */
import type { ApiCommand } from './protocol';

export interface EventApiHost {
  /**
   * Everything a client needs to draw its screen at once (sent in `hello`). Must be
   * JSON-serialisable and cheap: it is built for every new connection.
   */
  snapshot(): unknown;
  /**
   * Every state change, as an event name from EVENT_NAMES and JSON-serialisable data. Called
   * synchronously from the host's own event paths: the server only serialises and hands off.
   * Returns the unsubscribe function.
   */
  on(listener: (name: string, data: unknown) => void): () => void;
  /**
   * Runs a command that has already been validated. Resolves with its JSON-serialisable
   * result; rejects with an AppError (or anything, which becomes API_COMMAND_FAILED).
   */
  command(command: ApiCommand): Promise<unknown>;
}
