import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from '../../main/engine/resource-registry';

const never = (): Promise<void> => new Promise(() => undefined);

describe('ResourceRegistry', () => {
  it('closes stage by stage in the documented order and forgets what it closed', async () => {
    const registry = new ResourceRegistry();
    const order: string[] = [];
    const closer = (name: string) => async () => void order.push(name);
    registry.register({ kind: 'worker-thread', stage: 'workers', label: 'pacer' }, closer('pacer'));
    registry.register({ kind: 'file', stage: 'recorder', label: 'rec.wav' }, closer('rec.wav'));
    registry.register({ kind: 'audio-device', stage: 'audio-input', label: 'card' }, closer('card'));
    registry.register({ kind: 'udp-socket', stage: 'aes67', label: 'rtp' }, closer('rtp'));
    registry.register({ kind: 'tcp-socket', stage: 'streams', label: 'icecast' }, closer('icecast'));
    const results = await registry.closeAll(1000);
    expect(order).toEqual(['card', 'rtp', 'icecast', 'rec.wav', 'pacer']);
    expect(results.every((r) => r.outcome === 'closed')).toBe(true);
    expect(registry.list()).toEqual([]);
  });

  it('a stuck resource times out without starving the stages after it', async () => {
    const registry = new ResourceRegistry();
    let recorderClosed = false;
    registry.register({ kind: 'tcp-socket', stage: 'streams', label: 'stalled uplink' }, never);
    registry.register({ kind: 'file', stage: 'recorder', label: 'rec.flac' }, async () => {
      recorderClosed = true;
    });
    const results = await registry.closeAll(200);
    expect(results.map((r) => [r.label, r.outcome])).toEqual([
      ['stalled uplink', 'timed-out'],
      ['rec.flac', 'closed'],
    ]);
    expect(recorderClosed).toBe(true);
    expect(registry.list().map((r) => r.label)).toEqual(['stalled uplink']);
  });

  it('reports a failing close and refuses new resources once closing', async () => {
    const registry = new ResourceRegistry();
    registry.register({ kind: 'file', stage: 'recorder', label: 'disk full' }, async () => {
      throw new Error('ENOSPC');
    });
    const [result] = await registry.closeAll(100);
    expect(result).toMatchObject({ outcome: 'failed', detail: 'Error: ENOSPC' });
    expect(() => registry.register({ kind: 'timer', stage: 'timers', label: 'late' }, async () => undefined)).toThrow(/shutting down/);
  });

  it('release() removes a resource that closed on its own', () => {
    const registry = new ResourceRegistry();
    const handle = registry.register({ kind: 'tcp-socket', stage: 'streams', label: 'a' }, async () => undefined);
    expect(registry.list()).toHaveLength(1);
    handle.release();
    expect(registry.list()).toHaveLength(0);
  });
});
