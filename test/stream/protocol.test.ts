/**
 * The protocol pieces on their own: request bytes against what real BUTT 0.1.37 sent, the
 * answers real Icecast 2.4.4 gave (captured here), the queue's drop rule, the backoff curve.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { icecastPutRequest, icecastSourceRequest, shoutcastHeaders } from '../../main/engine/stream/source-request';
import { judgeIcecastAnswer, judgeShoutcastAnswer, parseHttpAnswer } from '../../main/engine/stream/server-answer';
import { ChunkQueue } from '../../main/engine/stream/chunk-queue';
import { reconnectDelayMs } from '../../main/engine/stream/reconnect-policy';
import { normalizeFingerprint, ServerEntrySchema, StreamInfoSchema } from '../../main/engine/stream/server-settings';
import { codecRefusal } from '../../main/engine/stream/codec-support';
import { openSource } from '../../main/engine/stream/source-handshake';
import { join } from 'node:path';
import { BUTT_FIXTURES } from '../helpers/shared-fixtures';

const FIXTURE = join(BUTT_FIXTURES, 'put-request-0.1.37.txt');
const entry = ServerEntrySchema.parse({ name: 'rig', address: '127.0.0.1', port: 8000, password: 'hackme', mount: 'butt.mp3' });
const info = StreamInfoSchema.parse({ name: 'rigicy', url: 'http://example.invalid', genre: 'test', description: 'rig test' });
const source = { entry, info, mimeType: 'audio/mpeg', format: { sampleRate: 44100, channels: 2 } };

describe('requests', () => {
  it('PUT: the same header lines in the same order as BUTT 0.1.37 (but our User-Agent), CRLF, no body framing', () => {
    const fixture = readFileSync(FIXTURE, 'utf8');
    const butt = fixture.slice(fixture.indexOf('PUT '), fixture.indexOf('\n\n', fixture.indexOf('PUT '))).split('\n');
    const ours = icecastPutRequest(source).toString('utf8');
    expect(ours.endsWith('\r\n\r\n')).toBe(true);
    const lines = ours.slice(0, -4).split('\r\n');
    expect(lines.map((l) => (l.startsWith('User-Agent:') ? 'User-Agent: butt 0.1.37' : l))).toEqual(butt);
    expect(ours).not.toMatch(/Transfer-Encoding|Content-Length/i);
  });

  it('SOURCE is HTTP/1.0 without Expect; a field cannot inject a header line; non-ASCII is UTF-8', () => {
    const evil = { ...source, info: { ...info, name: 'Radio Ä\r\nX-Evil: 1' } };
    const text = icecastSourceRequest(evil).toString('utf8');
    expect(text.startsWith('SOURCE /butt.mp3 HTTP/1.0\r\n')).toBe(true);
    expect(text).not.toMatch(/Expect/);
    expect(text).toContain('ice-name: Radio Ä  X-Evil: 1\r\n');
    expect(text.split('\r\n').filter((l) => l.startsWith('X-Evil'))).toEqual([]);
  });

  it('Shoutcast v1 headers carry icy-br and the content type', () => {
    const text = shoutcastHeaders(source).toString('utf8');
    expect(text).toBe('icy-name:rigicy\r\nicy-genre:test\r\nicy-url:http://example.invalid\r\nicy-pub:0\r\nicy-br:128\r\ncontent-type:audio/mpeg\r\n\r\n');
  });
});

describe('answers (bytes from Icecast 2.4.4)', () => {
  const reply = (status: string, body: string) => Buffer.from(`HTTP/1.0 ${status}\r\nServer: Icecast 2.4.4\r\nConnection: Close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`);
  it('100 Continue then 200 OK is accepted; a lone 100 is still incomplete', () => {
    const ok = Buffer.from('HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\n\r\n');
    const parsed = parseHttpAnswer(ok);
    expect(parsed).toMatchObject({ status: 200 });
    expect(judgeIcecastAnswer(parsed as Exclude<typeof parsed, string>, 'x')).toBeUndefined();
    expect(parseHttpAnswer(Buffer.from('HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n'))).toBe('incomplete');
    expect(parseHttpAnswer(Buffer.from('\x16\x03\x01 binary'))).toBe('garbage');
  });
  it('401, 403 in use, 403 too many, 404 and 400 each mean something else', () => {
    const judge = (status: string, body: string) => {
      const parsed = parseHttpAnswer(reply(status, body));
      if (typeof parsed === 'string') throw new Error(parsed);
      return judgeIcecastAnswer(parsed, 'x');
    };
    expect(judge('401 Authentication Required', 'You need to authenticate\r\n')).toMatchObject({ fatal: true, error: { code: 'STREAM_AUTH_FAILED' } });
    expect(judge('403 Forbidden', 'Mountpoint in use')).toMatchObject({ fatal: false, error: { code: 'STREAM_MOUNT_IN_USE' } });
    expect(judge('403 Forbidden', 'too many sources connected')).toMatchObject({ fatal: false, error: { code: 'STREAM_TOO_MANY_SOURCES' } });
    expect(judge('404 Not Found', '')).toBe('fallback');
    expect(judge('400 Bad Request', '')).toBe('fallback');
  });
  it('Shoutcast: OK2 accepted, "invalid password" is an auth failure', () => {
    expect(judgeShoutcastAnswer(Buffer.from('OK2\r\nicy-caps:11\r\n\r\n'), 'x')).toBeUndefined();
    expect(judgeShoutcastAnswer(Buffer.from('invalid password\r\n'), 'x')).toMatchObject({ error: { code: 'STREAM_AUTH_FAILED' } });
    expect(judgeShoutcastAnswer(Buffer.from('OK'), 'x')).toBe('incomplete');
  });
});

describe('chunk queue', () => {
  const chunk = (frames: number, header = false) => ({ bytes: new Uint8Array(frames || 10), frames, ...(header ? { header } : {}) });
  it('drops the oldest whole audio chunks past its bound, never a header, and counts them', () => {
    const queue = new ChunkQueue(1000, 1 << 20);
    queue.push(chunk(0, true));
    for (let i = 0; i < 5; i++) queue.push(chunk(400));
    const stats = queue.stats();
    expect(stats.queuedFrames).toBe(800);
    expect(stats).toMatchObject({ droppedFrames: 1200, droppedBytes: 1200, droppedChunks: 3 });
    expect(queue.shift()).toMatchObject({ header: true });
    expect(queue.shift()).toMatchObject({ frames: 400 });
  });
  it('also bounds bytes', () => {
    const queue = new ChunkQueue(1e9, 1000);
    for (let i = 0; i < 10; i++) queue.push(chunk(300));
    expect(queue.stats().queuedBytes).toBeLessThanOrEqual(1000);
  });
});

describe('policy and settings', () => {
  it('reconnects at the base delay first, then doubles up to 30 s, with +-20 % jitter', () => {
    expect(reconnectDelayMs(1, 1, () => 0.5)).toBe(1000);
    expect(reconnectDelayMs(1, 5, () => 0.5)).toBe(1000);
    expect(reconnectDelayMs(1, 6, () => 0.5)).toBe(2000);
    expect(reconnectDelayMs(1, 8, () => 0.5)).toBe(8000);
    expect(reconnectDelayMs(1, 50, () => 1)).toBe(30_000);
    expect(reconnectDelayMs(1, 1, () => 0)).toBe(800);
    expect(reconnectDelayMs(1, 1, () => 1)).toBe(1200);
  });
  it('fingerprints compare without colons or case; Shoutcast refuses Ogg', () => {
    expect(normalizeFingerprint('AB:cd:01')).toBe('abcd01');
    expect(codecRefusal('shoutcast', 'opus')?.code).toBe('STREAM_CODEC_UNSUPPORTED');
    expect(codecRefusal('shoutcast', 'aac')).toBeUndefined();
    expect(codecRefusal('icecast', 'ogg-flac')).toBeUndefined();
  });
  it('BUTT-like defaults: user source, PUT, reconnect 1 s, MP3 128 kbps', () => {
    expect(ServerEntrySchema.parse({ name: 'a', address: 'h' })).toMatchObject({ user: 'source', protocol: 'put', reconnectDelaySeconds: 1, port: 8000, codec: { codec: 'mp3', bitrateKbps: 128 } });
  });
});

describe('PUT fallback', () => {
  // No pre-2.4 Icecast exists on Debian 12: a scripted server that answers PUT like one (400).
  it('a 400 to PUT is followed by a SOURCE request on a new connection', async () => {
    const firstLines: string[] = [];
    const server = createServer((socket) => {
      socket.once('data', (data) => {
        const first = data.toString('latin1').split('\r\n')[0]!;
        firstLines.push(first);
        socket.end(first.startsWith('PUT') ? 'HTTP/1.0 400 Bad Request\r\n\r\n' : 'HTTP/1.0 200 OK\r\n\r\n');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await openSource({ entry: { ...entry, port }, info, mimeType: 'audio/mpeg', signal: new AbortController().signal });
      expect(result).toMatchObject({ ok: true, protocol: 'source' });
      if (result.ok) result.socket.destroy();
      expect(firstLines).toEqual(['PUT /butt.mp3 HTTP/1.1', 'SOURCE /butt.mp3 HTTP/1.0']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
