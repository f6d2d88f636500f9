/** An EventApiHost in memory: emits events on demand and records every command it runs. */
import type { EventApiHost } from '../../main/host/event-api/event-api-host';
import type { ApiCommand } from '../../main/host/event-api/protocol';
import { appError } from '../../main/shared/errors';

export class MemoryHost implements EventApiHost {
  readonly commands: ApiCommand[] = [];
  state = { connected: false, recording: false, song: '' };
  /** Set to make command() never settle (deadline tests) or fail. */
  behaviour: 'normal' | 'hang' | 'fail' = 'normal';
  private readonly listeners = new Set<(name: string, data: unknown) => void>();

  get listenerCount(): number {
    return this.listeners.size;
  }

  snapshot(): unknown {
    return { status: { ...this.state } };
  }

  on(listener: (name: string, data: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(name: string, data: unknown): void {
    for (const listener of this.listeners) listener(name, data);
  }

  command(command: ApiCommand): Promise<unknown> {
    this.commands.push(command);
    if (this.behaviour === 'hang') return new Promise(() => undefined);
    if (this.behaviour === 'fail') return Promise.reject(appError('STREAM_NO_SERVER', 'No server is configured.'));
    switch (command.name) {
      case 'connect':
        this.state.connected = true;
        return Promise.resolve({ connecting: command.params.server ?? 'all' });
      case 'disconnect':
        this.state.connected = false;
        return Promise.resolve(null);
      case 'record.start':
        this.state.recording = true;
        return Promise.resolve({ path: '/tmp/rec.mp3' });
      case 'record.stop':
        this.state.recording = false;
        return Promise.resolve(null);
      case 'record.split':
        return Promise.resolve({ path: '/tmp/rec-2.mp3' });
      case 'title.set':
        this.state.song = command.params.title;
        return Promise.resolve(null);
      case 'threshold.set':
        return Promise.resolve({ set: command.params.kind });
      case 'status.get':
        return Promise.resolve({ ...this.state });
      case 'settings.exportButtrc':
        return Promise.resolve({ text: '[main]\nnum_of_srv = 0\n' });
      case 'quit':
        return Promise.resolve({ quitting: true });
      default:
        return Promise.resolve({ accepted: command.name });
    }
  }
}
