/**
 * What the UI talks to, whatever carries it: the preload bridge in the desktop app, a
 * WebSocket to the event API in a browser. The operator API's `OperatorClient`, plus what a
 * screen needs to know about the link itself (it can drop in a browser, never in Electron).
 */
import type { OperatorClient, OperatorSnapshot } from '../../../main/protocol/operator-api';
import type { AppError } from '../../../main/shared/errors';

export type LinkState =
  | { state: 'connecting' }
  | { state: 'open' }
  | { state: 'disconnected'; reason: string; retryInMs: number };

export interface OperatorTransport extends OperatorClient {
  /** 'desktop' (preload bridge) or 'browser' (event API). */
  readonly kind: 'desktop' | 'browser';
  onLink(listener: (link: LinkState) => void): () => void;
  /** A fresh snapshot: after (re)connecting, and after missed events were detected. */
  onSnapshot(listener: (snapshot: OperatorSnapshot) => void): () => void;
  /** Asks the app to quit (runs the ordered shutdown). */
  quit(): Promise<void>;
  close(): void;
}

/** Anything a command rejected with, as the AppError value the operator sees. */
export function asAppError(thrown: unknown): AppError {
  if (typeof thrown === 'object' && thrown !== null && typeof (thrown as AppError).code === 'string' && typeof (thrown as AppError).message === 'string') {
    const { code, message } = thrown as AppError;
    return { code, message };
  }
  return { code: 'UI_ERROR', message: thrown instanceof Error ? thrown.message : String(thrown) };
}

/** A small listener set, shared by both transports. */
export class Listeners<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>();
  add(listener: (...args: T) => void): () => void {
    this.set.add(listener);
    return () => void this.set.delete(listener);
  }
  emit(...args: T): void {
    for (const listener of this.set) listener(...args);
  }
}
