import type { OpenResource, ResourceClose, ResourceKind, ResourceStage } from '../protocol/engine-protocol';
import { RESOURCE_STAGES } from '../protocol/engine-protocol';
import { withDeadline } from '../shared/deadline';

/** Closes one resource; resolves when the OS confirms it is closed. */
export type Closer = (signal: AbortSignal) => Promise<void>;

export interface ResourceHandle {
  readonly id: string;
  /** The resource closed on its own (peer hung up, file done): forget it. */
  release(): void;
}

interface Entry extends OpenResource {
  close: Closer;
}

/**
 * Every socket, worker, child process and file the engine opens is registered here, so a
 * shutdown can close all of them in order and report on each one by name.
 */
export class ResourceRegistry {
  private readonly entries = new Map<string, Entry>();
  private nextId = 1;
  private closing = false;

  register(
    meta: { kind: ResourceKind; stage: ResourceStage; label: string; pid?: number },
    close: Closer,
  ): ResourceHandle {
    if (this.closing) throw new Error(`cannot open ${meta.label}: the engine is shutting down`);
    const id = `${meta.kind}-${this.nextId++}`;
    this.entries.set(id, { ...meta, id, openedAt: new Date().toISOString(), close });
    return { id, release: () => void this.entries.delete(id) };
  }

  list(): OpenResource[] {
    return [...this.entries.values()].map(({ close: _close, ...open }) => open);
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /**
   * Closes stage by stage in RESOURCE_STAGES order. Resources within a stage close in
   * parallel. Each remaining stage gets an equal share of the remaining time, so one stuck
   * socket cannot starve the recorder that comes after it.
   */
  async closeAll(deadlineMs: number): Promise<ResourceClose[]> {
    this.closing = true;
    const endAt = performance.now() + deadlineMs;
    const results: ResourceClose[] = [];
    const stages = RESOURCE_STAGES.filter((stage) => this.inStage(stage).length > 0);
    for (const [index, stage] of stages.entries()) {
      const remaining = Math.max(0, endAt - performance.now());
      const share = remaining / (stages.length - index);
      const closes = this.inStage(stage).map(async (entry): Promise<ResourceClose> => {
        const outcome = await withDeadline(share, (signal) => entry.close(signal));
        const base = { id: entry.id, kind: entry.kind, stage: entry.stage, label: entry.label, ms: round(outcome.ms) };
        if (outcome.status === 'ok') {
          this.entries.delete(entry.id);
          return { ...base, outcome: 'closed' };
        }
        if (outcome.status === 'failed') {
          this.entries.delete(entry.id);
          return { ...base, outcome: 'failed', detail: String(outcome.error) };
        }
        return { ...base, outcome: 'timed-out', detail: `still open after ${round(share)} ms` };
      });
      results.push(...(await Promise.all(closes)));
    }
    return results;
  }

  private inStage(stage: ResourceStage): Entry[] {
    return [...this.entries.values()].filter((entry) => entry.stage === stage);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
