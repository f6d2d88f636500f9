/**
 * The operator API in the desktop app: `window.airtight.operator` from the preload bridge.
 * The link cannot drop (it is IPC inside one app), so it is always 'open'. Engine state, log
 * and shutdown steps also arrive on the app-level channels (`app:*`); they are mapped onto
 * the operator event names so the store has one path for both transports.
 */
import type { CommandName, CommandResults, EventName, OperatorClient, OperatorSnapshot } from '../../../main/protocol/operator-api';
import type { AirtightApi } from '../../../main/protocol/ui-contract';
import { Listeners, type LinkState, type OperatorTransport } from './operator-transport';

/** `operator` is optional here so an older preload without it still shows the app-level state. */
export type DesktopBridge = Omit<AirtightApi, 'operator'> & { operator?: OperatorClient };

export class ElectronOperatorClient implements OperatorTransport {
  readonly kind = 'desktop' as const;
  private readonly events = new Listeners<[EventName, unknown]>();
  private readonly snapshots = new Listeners<[OperatorSnapshot]>();
  private readonly offs: (() => void)[] = [];

  constructor(private readonly bridge: DesktopBridge) {
    const forward = (name: EventName) => (data: unknown) => this.events.emit(name, data);
    this.offs.push(
      bridge.on('app:engine-state', forward('engine.state')),
      bridge.on('app:log', forward('log')),
      bridge.on('app:shutdown-started', forward('shutdown.started')),
      bridge.on('app:shutdown-progress', forward('shutdown.progress')),
    );
    if (bridge.operator) this.offs.push(bridge.operator.onEvent((name, data) => this.events.emit(name, data)));
    void this.refresh();
  }

  command<N extends CommandName>(name: N, ...params: unknown[]): Promise<CommandResults[N]> {
    const operator = this.bridge.operator;
    if (!operator) return Promise.reject({ code: 'FEATURE_NOT_AVAILABLE', message: 'This build has no operator bridge yet.' });
    const command = operator.command as (this: OperatorClient, name: N, ...rest: unknown[]) => Promise<CommandResults[N]>;
    return command.call(operator, name, ...params);
  }

  async snapshot(): Promise<OperatorSnapshot> {
    const state = await this.bridge.getState();
    const operatorSnapshot = this.bridge.operator ? await this.bridge.operator.snapshot() : undefined;
    return {
      engine: state.engine,
      status: {},
      streams: {},
      servers: [],
      aes67: { running: false },
      ...operatorSnapshot,
      log: operatorSnapshot?.log ?? state.recentLog,
      ...(state.previousRunNotice ? { notice: state.previousRunNotice } : {}),
    } as OperatorSnapshot;
  }

  onEvent(listener: (name: EventName, data: unknown) => void): () => void {
    return this.events.add(listener);
  }

  onLink(listener: (link: LinkState) => void): () => void {
    listener({ state: 'open' });
    return () => undefined;
  }

  onSnapshot(listener: (snapshot: OperatorSnapshot) => void): () => void {
    return this.snapshots.add(listener);
  }

  quit(): Promise<void> {
    return this.bridge.quit();
  }

  close(): void {
    this.offs.splice(0).forEach((off) => off());
  }

  private async refresh(): Promise<void> {
    try {
      this.snapshots.emit(await this.snapshot());
    } catch {
      // The store shows the engine as starting until the first event arrives.
    }
  }
}
