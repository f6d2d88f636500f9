/**
 * The command server against the real Debian `butt` 0.1.37 client (TCP and UDP), and its own
 * behaviour: port search, allow-list, ack before the command runs, silent connections, freeze
 * and close. The target is an in-memory recorder.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { startControlServer, type ControlLog, type ControlServer, type ControlServerOptions } from '../../main/host/control/server';
import { runControlClient, sendControlRequest } from '../../main/host/control/client';
import { encodeRequest, formatStatus, type StatusV3 } from '../../main/host/control/wire';
import type { AppError } from '../../main/shared/errors';
import { freePort } from '../helpers/ports';
import { MemoryTarget } from './memory-target';
import { buttUnavailable, runButtClient } from './butt-binary';

const noButt = buttUnavailable();
if (noButt) console.warn(`skipping the real-butt client tests: ${noButt}`);

const LIVE: StatusV3 = {
  connected: true,
  connecting: false,
  recording: true,
  signal: true,
  silence: false,
  volumeLeftDb: -12.3,
  volumeRightDb: -6,
  streamSeconds: 3725,
  streamKBytes: 58_123,
  recordSeconds: 61,
  recordKBytes: 1450,
  song: 'Café ♫ – Ärtist',
  recordPath: '/tmp/rec/rec_20250101-120000.mp3',
  listeners: 17,
};

class MemoryLog implements ControlLog {
  readonly lines: { level: 'info' | 'warn'; message: string; error?: AppError }[] = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string, error?: AppError): void {
    this.lines.push({ level: 'warn', message, ...(error ? { error } : {}) });
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: Partial<ControlServerOptions> = {}): Promise<{ server: ControlServer; target: MemoryTarget; log: MemoryLog }> {
  const target = options.target instanceof MemoryTarget ? options.target : new MemoryTarget();
  const log = new MemoryLog();
  const port = options.port ?? (await freePort(options.protocol ?? 'tcp'));
  const started = await startControlServer({ ...options, target, log, port });
  if (!started.ok) throw new Error(started.error.message);
  cleanups.push(() => started.server.close());
  return { server: started.server, target, log };
}

describe.skipIf(noButt !== null)('real butt 0.1.37 client against the Airtight command server', () => {
  for (const protocol of ['tcp', 'udp'] as const) {
    const U = protocol === 'udp' ? ['-U'] : [];

    it(`${protocol}: butt -S prints our live status`, async () => {
      const { server, target } = await serve({ protocol });
      target.current = { ...LIVE };
      const result = await runButtClient([...U, '-S', '-p', String(server.port)]);
      expect(result.code).toBe(0);
      expect(result.out).toBe(formatStatus(LIVE));
      expect(result.out).toContain('song: Café ♫ – Ärtist\n');
      expect(result.out).toContain('volume left: -12.3\n');
      expect(result.out).toContain('listeners: 17\n');
    });

    it(`${protocol}: butt -u delivers the UTF-8 song, and the next status shows it`, async () => {
      const { server, target } = await serve({ protocol });
      const result = await runButtClient([...U, '-p', String(server.port), '-u', 'Café ♫']);
      expect(result).toEqual({ code: 0, out: '' });
      await target.waitForCalls(1);
      expect(target.calls).toEqual([{ method: 'setSong', title: 'Café ♫' }]);
      const status = await runButtClient([...U, '-S', '-p', String(server.port)]);
      expect(status.out).toContain('song: Café ♫\n');
    });

    it(`${protocol}: -r -t -n -s name -s -d -M -m -O -o -q call the right target methods in order`, async () => {
      const { server, target } = await serve({ protocol });
      const p = ['-p', String(server.port)];
      const runs = [
        ['-r'],
        ['-t'],
        ['-n'],
        ['-s', 'My Server'],
        ['-s'], // BUTT's getopt takes "-s" without a name only as the last option
        ['-d'],
        ['-M', '5'],
        ['-m', '7'],
        ['-O', '0'],
        ['-o', '86400'],
        ['-q'],
      ];
      for (const run of runs) {
        const result = await runButtClient([...U, ...p, ...run]);
        expect(result.code, `${run.join(' ')}: ${result.out}`).toBe(0);
      }
      await target.waitForCalls(runs.length);
      expect(target.calls).toEqual([
        { method: 'startRecording' },
        { method: 'stopRecording' },
        { method: 'splitRecording' },
        { method: 'connect', serverName: 'My Server' },
        { method: 'connect' },
        { method: 'disconnect' },
        { method: 'setThreshold', kind: 'stream-signal', seconds: 5 },
        { method: 'setThreshold', kind: 'stream-silence', seconds: 7 },
        { method: 'setThreshold', kind: 'record-signal', seconds: 0 },
        { method: 'setThreshold', kind: 'record-silence', seconds: 86400 },
        { method: 'quit' },
      ]);
    });
  }

  it('butt reports "No butt instance running" once the server is frozen', async () => {
    const { server, target } = await serve();
    server.freeze();
    const result = await runButtClient(['-p', String(server.port), '-r']);
    expect(result.code).toBe(1);
    expect(result.out).toBe(`No butt instance running on 127.0.0.1 at port ${server.port}\n`);
    expect(target.calls).toEqual([]);
  });
});

describe('Airtight client against the Airtight command server', () => {
  it('status, song, thresholds as float32 and as int32, over TCP and UDP', async () => {
    for (const protocol of ['tcp', 'udp'] as const) {
      const { server, target } = await serve({ protocol });
      const U = protocol === 'udp' ? ['-U'] : [];
      const p = ['-p', String(server.port)];
      const out: string[] = [];
      const io = { out: (text: string) => void out.push(text) };
      expect(await runControlClient([...U, ...p, '-u', 'Ärtist – Title'], io)).toBe(0);
      expect(await runControlClient([...U, ...p, '-M', '2.5'], io)).toBe(0);
      expect(await runControlClient([...U, ...p, '-o', '30'], io)).toBe(0);
      expect(await runControlClient([...U, ...p, '-S'], io)).toBe(0);
      expect(target.calls).toEqual([
        { method: 'setSong', title: 'Ärtist – Title' },
        { method: 'setThreshold', kind: 'stream-signal', seconds: 2.5 },
        { method: 'setThreshold', kind: 'record-silence', seconds: 30 },
      ]);
      expect(out.join('')).toBe(
        'M threshold set to 2.5\no threshold set to 30\n' + formatStatus({ ...target.current, song: 'Ärtist – Title' }),
      );
    }
  });

  it('prints BUTT\'s "No butt instance running" and exits 1 when nobody listens (TCP and UDP)', async () => {
    const port = await freePort('tcp');
    for (const U of [[], ['-U']]) {
      const out: string[] = [];
      const code = await runControlClient([...U, '-a', '127.0.0.1', '-p', String(port), '-S'], { out: (t) => void out.push(t) });
      expect(code).toBe(1);
      expect(out.join('')).toBe(`No butt instance running on 127.0.0.1 at port ${port}\n`);
    }
  });

  it('refuses bad command lines like BUTT', async () => {
    const run = async (argv: string[]): Promise<[number, string]> => {
      const out: string[] = [];
      const code = await runControlClient(argv, { out: (t) => void out.push(t) });
      return [code, out.join('')];
    };
    expect(await run(['-p', '0', '-S'])).toEqual([1, 'Illegal argument: Port must be a number between 1 and 65535\n']);
    expect(await run(['-M', '-3'])).toEqual([1, 'Illegal argument: Threshold must be a non-negative number\n']);
    expect(await run(['-S', '-u'])).toEqual([1, 'Option -u requires an argument\n']);
    expect((await run(['-S', '-Z']))[1]).toMatch(/^Illegal option -Z\./);
  });
});

describe('command server behaviour', () => {
  it('without -p, takes the first free port of its range and says which', async () => {
    const blocker: Server = createServer();
    const first = await freePort('tcp');
    blocker.listen(first, '127.0.0.1');
    await once(blocker, 'listening');
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const target = new MemoryTarget();
    const log = new MemoryLog();
    const started = await startControlServer({ target, log, portSearch: { first, count: 10 } });
    if (!started.ok) throw new Error(started.error.message);
    cleanups.push(() => started.server.close());
    expect(started.server.port).toBeGreaterThan(first);
    expect(started.server.port).toBeLessThan(first + 10);
    expect(log.lines[0]?.message).toBe(`Command server listening on port ${started.server.port} (TCP, 127.0.0.1).`);
    // -p with a port in use: an error value naming the port, no search.
    const taken = await startControlServer({ target, port: first });
    expect(taken.ok).toBe(false);
    if (!taken.ok) expect(taken.error).toMatchObject({ code: 'CONTROL_PORT_UNAVAILABLE', message: expect.stringContaining(`port ${first}`) });
  });

  it('exposed (-A): warns loudly, and only the allow-list and loopback get in', async () => {
    const open = await serve({ exposed: true, bindAddress: '127.0.0.1' });
    expect(open.log.lines.find((l) => l.error?.code === 'CONTROL_EXPOSED')?.message).toMatch(/ANYONE/);

    const { server, target, log } = await serve({ exposed: true, bindAddress: '127.0.0.1', allow: ['127.0.0.1', '10.1.0.0/16'] });
    expect(log.lines.find((l) => l.error?.code === 'CONTROL_EXPOSED')?.message).toMatch(/127\.0\.0\.1, 10\.1\.0\.0\/16/);
    // 127.0.0.2 is loopback too, and not on the list: the server hangs up without an ack.
    const refused = await rawExchange(server.port, encodeRequest({ kind: 'start-recording' }), '127.0.0.2');
    expect(refused.length).toBe(0);
    // Loopback is always allowed; here 127.0.0.1 is also listed.
    expect(await sendControlRequest({ kind: 'stop-recording' }, { address: '127.0.0.1', port: server.port, protocol: 'tcp' })).toEqual({ kind: 'ack', code: 0 });
    await target.waitForCalls(1);
    expect(target.calls).toEqual([{ method: 'stopRecording' }]);
    expect(server.stats().refusedAddress).toBe(1);
    const bad = await startControlServer({ target, exposed: true, allow: ['not-an-address'], port: 1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'CONTROL_BAD_ALLOW_LIST' } });
  });

  it('acks before the command runs, and a command that never finishes does not block the next', async () => {
    const target = new MemoryTarget();
    let release: (() => void) | undefined;
    target.startRecording = () => {
      target.calls.push({ method: 'startRecording' });
      return new Promise<void>((resolve) => (release = resolve)) as unknown as void;
    };
    const { server, log } = await serve({ target, limits: { commandTimeoutMs: 300 } });
    const endpoint = { address: '127.0.0.1', port: server.port, protocol: 'tcp' as const };
    expect(await sendControlRequest({ kind: 'start-recording' }, endpoint)).toEqual({ kind: 'ack', code: 0 });
    expect(await sendControlRequest({ kind: 'split-recording' }, endpoint)).toEqual({ kind: 'ack', code: 0 });
    await target.waitForCalls(2);
    expect(target.calls).toEqual([{ method: 'startRecording' }, { method: 'splitRecording' }]);
    expect(log.lines.some((l) => l.error?.code === 'CONTROL_COMMAND_FAILED' && /no answer within 300 ms/.test(l.error.detail ?? ''))).toBe(true);
    release?.();
  });

  it('drops a silent connection after 2 s and answers others meanwhile', async () => {
    const { server, target } = await serve();
    const silent = connect(server.port, '127.0.0.1');
    silent.on('error', () => undefined);
    await once(silent, 'connect');
    const closed = once(silent, 'close');
    expect(await sendControlRequest({ kind: 'status' }, { address: '127.0.0.1', port: server.port, protocol: 'tcp' })).toMatchObject({ kind: 'status' });
    const outcome = await Promise.race([closed.then(() => 'closed'), delay(5000).then(() => 'still open')]);
    expect(outcome).toBe('closed');
    expect(server.stats().timedOut).toBe(1);
    expect(target.calls).toEqual([]);
  });

  it('a request split into single bytes still works; a truncated one is dropped without an ack', async () => {
    const { server, target } = await serve({ limits: { requestTimeoutMs: 500 } });
    const song = encodeRequest({ kind: 'set-song', title: 'slow' });
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    const reply: Buffer[] = [];
    socket.on('data', (d: Buffer) => reply.push(d));
    const closed = once(socket, 'close');
    for (const byte of song) {
      socket.write(Buffer.of(byte));
      await delay(2);
    }
    await Promise.race([closed, delay(5000)]);
    expect(Buffer.concat(reply)).toEqual(Buffer.alloc(4));
    expect((await rawExchange(server.port, song.subarray(0, song.length - 2))).length).toBe(0);
    await target.waitForCalls(1);
    expect(target.calls).toEqual([{ method: 'setSong', title: 'slow' }]);
    expect(server.stats().timedOut).toBe(1);
  });

  it('freeze stops input and drops queued commands; close lets the port go', async () => {
    const target = new MemoryTarget();
    let release: (() => void) | undefined;
    target.startRecording = () => new Promise<void>((resolve) => (release = resolve)) as unknown as void;
    const { server } = await serve({ target });
    const endpoint = { address: '127.0.0.1', port: server.port, protocol: 'tcp' as const };
    const lingering = connect(server.port, '127.0.0.1'); // silent, still open at close()
    lingering.on('error', () => undefined);
    const lingeringClosed = once(lingering, 'close');
    await once(lingering, 'connect');
    await sendControlRequest({ kind: 'start-recording' }, endpoint); // runs, never finishes
    await sendControlRequest({ kind: 'quit' }, endpoint); // queued behind it
    server.freeze();
    expect(await sendControlRequest({ kind: 'status' }, endpoint)).toMatchObject({ kind: 'failed', reason: 'not-running' });
    // The open connection is dropped, and the call that never ends does not hold close() up.
    const started = performance.now();
    await server.close(AbortSignal.timeout(5000));
    expect(performance.now() - started).toBeLessThan(4000); // well before the signal
    await Promise.race([lingeringClosed, new Promise((r) => setTimeout(r, 3000))]);
    expect(lingering.destroyed).toBe(true);
    release?.();
    expect(target.calls).toEqual([]); // the quit was queued, not run
    const again = createServer();
    again.listen(server.port, '127.0.0.1');
    await once(again, 'listening');
    await new Promise<void>((r) => again.close(() => r()));
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends bytes from `localAddress`, returns everything received until the server closes (bounded). */
async function rawExchange(port: number, bytes: Buffer, localAddress = '127.0.0.1'): Promise<Buffer> {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  await once(socket, 'connect');
  socket.write(bytes);
  await Promise.race([once(socket, 'close'), delay(5000)]);
  socket.destroy();
  return Buffer.concat(chunks);
}
