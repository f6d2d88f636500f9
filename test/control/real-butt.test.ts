/**
 * Airtight's control client against a real BUTT 0.1.37 running under Xvfb with the PulseAudio
 * rig (started once for the file: BUTT is slow to start): status prints exactly what BUTT's
 * own client prints, a song update shows up in the next status, and -q quits BUTT.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runControlClient, sendControlRequest } from '../../main/host/control/client';
import { buttUnderXvfbUnavailable, startButt, type ButtInstance } from './butt-under-xvfb';
import { runButtClient } from './butt-binary';

const unavailable = buttUnderXvfbUnavailable();
if (unavailable) console.warn(`skipping the real BUTT instance tests: ${unavailable}`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs our client, capturing what it prints. */
async function ours(argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runControlClient(argv, { out: (t) => void out.push(t) });
  return { code, out: out.join('') };
}

/**
 * BUTT answers commands from a 0.25 s GUI timer that only gets going a moment after its port
 * opens, and allows one status per 0.8 s: retry with 1 s gaps (bounded).
 */
async function statusUntil(port: number, accept: (out: string) => boolean, U: string[] = [], attempts = 12): Promise<{ code: number; out: string }> {
  let last = { code: -1, out: '' };
  for (let i = 0; i < attempts; i++) {
    last = await ours([...U, '-S', '-p', String(port)]);
    if (last.code === 0 && accept(last.out)) return last;
    await sleep(1000);
  }
  return last;
}

describe.skipIf(unavailable !== null)('Airtight control client against a real BUTT 0.1.37', () => {
  let butt: ButtInstance | undefined;

  beforeAll(async () => {
    butt = await startButt();
  }, 60_000);

  afterAll(async () => {
    await butt?.stop();
  }, 20_000);

  it('-S prints the status, line for line what `butt -S` prints', async () => {
    const port = butt!.port;
    const first = await statusUntil(port, () => true);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(
      /^connected: [01]\nconnecting: [01]\nrecording: [01]\nsignal present: [01]\nsignal absent: [01]\nstream seconds: \d+\nstream kBytes: \d+\nrecord seconds: \d+\nrecord kBytes: \d+\nvolume left: -?\d+\.\d\nvolume right: -?\d+\.\d\nsong: .*\nrecord path: .*\nlisteners: -?\d+\n$/,
    );
    expect(first.out).toContain('connected: 0\n');
    // Same instance, same moment: the texts must match. BUTT's state may change in between
    // (its silence detection switches on after a few seconds), so compare a few times.
    let pair = { ours: first.out, theirs: '' };
    for (let i = 0; i < 5 && pair.ours !== pair.theirs; i++) {
      await sleep(1000); // BUTT's status rate limit
      const theirs = await runButtClient(['-S', '-p', String(port)]);
      expect(theirs.code, theirs.out).toBe(0);
      await sleep(1000);
      const again = await ours(['-S', '-p', String(port)]);
      pair = { ours: again.out, theirs: theirs.out };
    }
    expect(pair.ours).toBe(pair.theirs);
  });

  it('-u sets the song: the next status carries it (UTF-8 intact)', async () => {
    const port = butt!.port;
    const title = 'Café ♫ – Ärtist';
    const sent = await ours(['-p', String(port), '-u', title]);
    expect(sent).toEqual({ code: 0, out: '' });
    const after = await statusUntil(port, (out) => out.includes(`song: ${title}\n`));
    expect(after.out).toContain(`song: ${title}\n`);
    await sleep(1000);
    const decoded = await sendControlRequest({ kind: 'status' }, { address: '127.0.0.1', port, protocol: 'tcp' });
    expect(decoded).toMatchObject({ kind: 'status', status: { song: title, connected: false, listeners: -1 } });
  });

  it('-q quits BUTT', async () => {
    const result = await ours(['-p', String(butt!.port), '-q']);
    expect(result).toEqual({ code: 0, out: '' });
    expect(await butt!.waitForExit(15_000)).toBe(true);
    const after = await ours(['-p', String(butt!.port), '-S']);
    expect(after).toEqual({ code: 1, out: `No butt instance running on 127.0.0.1 at port ${butt!.port}\n` });
  });
});

describe.skipIf(unavailable !== null)('Airtight control client against a real BUTT 0.1.37 in UDP mode (-U)', () => {
  let butt: ButtInstance | undefined;

  beforeAll(async () => {
    butt = await startButt({ udp: true });
  }, 60_000);

  afterAll(async () => {
    await butt?.stop();
  }, 20_000);

  it('-U: status, song update, a rate-limited status said as BUTT says it, quit', async () => {
    const port = String(butt!.port);
    const first = await statusUntil(butt!.port, () => true, ['-U']);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/^connected: 0\n[\s\S]*\nlisteners: -1\n$/);
    // A second status right away is over BUTT's limit: it answers -10 over UDP.
    const tooSoon = await ours(['-U', '-S', '-p', port]);
    expect(tooSoon).toEqual({ code: 1, out: 'Error: You may only request one status packet per second\n' });
    expect(await ours(['-U', '-p', port, '-u', 'Über UDP ♫'])).toEqual({ code: 0, out: '' });
    const after = await statusUntil(butt!.port, (out) => out.includes('song: Über UDP ♫\n'), ['-U']);
    expect(after.out).toContain('song: Über UDP ♫\n');
    expect(await ours(['-U', '-p', port, '-q'])).toEqual({ code: 0, out: '' });
    expect(await butt!.waitForExit(15_000)).toBe(true);
  });
});
