import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { claimInstance, instanceSocketPath } from '../../main/host/instance-lock';
import { tempDataDir } from '../helpers/airtight-process';

describe('single instance per data dir', () => {
  it('a second claim hands its arguments to the first and gets its answer', async () => {
    const dir = tempDataDir();
    const first = await claimInstance(dir, { argv: [], cwd: '/' });
    if (first.kind !== 'primary') throw new Error('expected primary');
    const seen: string[][] = [];
    first.lock.handle(async (req) => {
      seen.push(req.argv);
      return { ok: true, message: 'handled' };
    });
    const second = await claimInstance(dir, { argv: ['--quit'], cwd: '/' });
    expect(second).toEqual({ kind: 'secondary', reply: { ok: true, message: 'handled' } });
    expect(seen).toEqual([['--quit']]);

    first.lock.freeze('shutting down');
    expect(await claimInstance(dir, { argv: [], cwd: '/' })).toEqual({ kind: 'secondary', reply: { ok: false, message: 'shutting down' } });
    await first.lock.release();
    expect(existsSync(instanceSocketPath(dir))).toBe(false);
  });

  it('a stale socket file left by a crash is replaced', async () => {
    const dir = tempDataDir();
    writeFileSync(instanceSocketPath(dir), '');
    const claim = await claimInstance(dir, { argv: [], cwd: '/' });
    expect(claim.kind).toBe('primary');
    if (claim.kind === 'primary') await claim.lock.release();
  });

  it('a listener that never answers is not mistaken for a stale socket', async () => {
    const dir = tempDataDir();
    const mute = createServer(() => undefined);
    mute.listen(instanceSocketPath(dir));
    await once(mute, 'listening');
    const claim = await claimInstance(dir, { argv: [], cwd: '/' });
    expect(claim).toEqual({ kind: 'secondary', reply: { ok: false, message: 'the running instance did not answer' } });
    mute.close();
  });

  it('very long data dir paths use a short socket path', () => {
    expect(instanceSocketPath('/tmp/' + 'x'.repeat(200)).length).toBeLessThan(100);
  });
});
