/**
 * The wire format against the bytes captured between real BUTT 0.1.37 processes
 * (shared/fixtures/butt/control-wire-0.1.37.txt), plus the edge cases BUTT leaves open.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseControlArgs } from '../../main/host/control/client-args';
import {
  HEADER_SIZE,
  decodeFrame,
  decodeStatus,
  decodeThreshold,
  encodeRequest,
  encodeStatus,
  formatStatus,
  type ControlRequest,
  type StatusV3,
} from '../../main/host/control/wire';
import { idleStatus } from '../../main/host/control/target';
import { join } from 'node:path';
import { BUTT_FIXTURES } from '../helpers/shared-fixtures';

const FIXTURE = join(BUTT_FIXTURES, 'control-wire-0.1.37.txt');

interface Captured {
  flags: string;
  bytes: Buffer;
}

function readFixture(): { requests: Captured[]; ack: Buffer; status: Buffer; printed: string } {
  const lines = readFileSync(FIXTURE, 'utf8').split('\n');
  const requests: Captured[] = [];
  const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
  const at = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
  for (const line of lines.slice(at('# requests') + 1, at('# answers'))) {
    const match = /^(.+?)\s*:\s*((?:[0-9a-f]{2,}\s*)+)/.exec(line);
    if (match) requests.push({ flags: match[1]!.trim(), bytes: hex(match[2]!) });
  }
  const ack = hex(lines[at('ack ')]!.split(':')[1]!);
  const status = hex(lines[at('status (-S)') + 1]!);
  const printed = lines.slice(at('# what `butt -S`') + 1).join('\n');
  return { requests, ack, status, printed };
}

/** What each captured command line means, checked against the captured bytes. */
const EXPECTED: Record<string, ControlRequest> = {
  '-S': { kind: 'status' },
  '-s': { kind: 'connect' },
  '-s MyServer': { kind: 'connect', serverName: 'MyServer' },
  '-d': { kind: 'disconnect' },
  '-r': { kind: 'start-recording' },
  '-t': { kind: 'stop-recording' },
  '-n': { kind: 'split-recording' },
  '-q': { kind: 'quit' },
  '-u "Ärtist – Title"': { kind: 'set-song', title: 'Ärtist – Title' },
  '-M 5': { kind: 'set-threshold', threshold: 'stream-signal', seconds: 5 },
  '-m 7': { kind: 'set-threshold', threshold: 'stream-silence', seconds: 7 },
};

function frame(cmd: number, param: Buffer | number[] = [], paramSize?: number): Buffer {
  const p = Buffer.from(param);
  const header = Buffer.alloc(HEADER_SIZE, 0xab); // garbage padding, as BUTT sends
  header.writeUInt32LE(cmd, 0);
  header.writeUInt32LE(paramSize ?? p.length, 4);
  return Buffer.concat([header, p]);
}

describe('control wire: requests captured from BUTT 0.1.37', () => {
  const fixture = readFixture();

  it('the fixture holds every captured request', () => {
    expect(fixture.requests.map((r) => r.flags)).toEqual(Object.keys(EXPECTED));
  });

  it.each(Object.entries(EXPECTED))('decodes %s, garbage padding ignored', (flags, expected) => {
    const captured = fixture.requests.find((r) => r.flags === flags)!;
    const result = decodeFrame(captured.bytes);
    expect(result).toEqual({ status: 'ok', request: expected, frameLength: captured.bytes.length });
  });

  it.each(Object.entries(EXPECTED))('encodes %s to the captured bytes (padding zeroed)', (flags, request) => {
    const captured = fixture.requests.find((r) => r.flags === flags)!;
    const ours = encodeRequest(request, { thresholdEncoding: 'int32' });
    const theirs = Buffer.from(captured.bytes);
    theirs.fill(0, 8, 16);
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });

  it('the control flags parse to the captured requests', () => {
    const argv: Record<string, string[]> = {
      '-s MyServer': ['-s', 'MyServer'],
      '-u "Ärtist – Title"': ['-u', 'Ärtist – Title'],
      '-M 5': ['-M', '5'],
      '-m 7': ['-m', '7'],
    };
    for (const [flags, expected] of Object.entries(EXPECTED)) {
      expect(parseControlArgs(argv[flags] ?? [flags]).request, flags).toEqual(expected);
    }
  });

  it('the ack is four zero bytes', () => {
    expect(fixture.ack).toEqual(Buffer.alloc(4));
  });

  it('encodes the captured status packet byte for byte', () => {
    const status: StatusV3 = { ...idleStatus(), connecting: true, silence: true };
    expect(encodeStatus(status).toString('hex')).toBe(fixture.status.toString('hex'));
    expect(fixture.status.length).toBe(36);
  });

  it('decodes the captured status and prints it as `butt -S` did', () => {
    const result = decodeStatus(fixture.status);
    expect(result.status).toBe('ok');
    if (result.status !== 'ok') return;
    expect(result.length).toBe(36);
    expect(result.value).toEqual({ ...idleStatus(), connecting: true, silence: true });
    expect(formatStatus(result.value)).toBe(fixture.printed.trimEnd() + '\n');
  });
});

describe('control wire: status with every field', () => {
  const full: StatusV3 = {
    connected: true,
    connecting: false,
    recording: true,
    signal: true,
    silence: false,
    volumeLeftDb: -12.3,
    volumeRightDb: -0.4,
    streamSeconds: 3725,
    streamKBytes: 58_000,
    recordSeconds: 61,
    recordKBytes: 1450,
    song: 'Café ♫ – Ärtist',
    recordPath: '/srv/rec/rec_20250101-120000.mp3',
    listeners: 17,
  };

  it('round-trips all fields', () => {
    const bytes = encodeStatus(full);
    const song = Buffer.byteLength(full.song) + 1;
    const path = Buffer.byteLength(full.recordPath) + 1;
    expect(bytes.length).toBe(34 + song + path);
    expect(bytes.readUInt32LE(0)).toBe(0x8000000d);
    expect(bytes.readUInt16LE(26)).toBe(song);
    expect(bytes.readUInt16LE(28)).toBe(path);
    expect(bytes[34 + song - 1]).toBe(0);
    expect(bytes[bytes.length - 1]).toBe(0);
    const decoded = decodeStatus(bytes);
    expect(decoded).toEqual({ status: 'ok', length: bytes.length, value: full });
  });

  it('clamps values that do not fit the packet', () => {
    const odd = decodeStatus(
      encodeStatus({
        ...full,
        volumeLeftDb: -Infinity,
        volumeRightDb: -200,
        streamSeconds: -5,
        streamKBytes: 2 ** 40,
        recordSeconds: Number.NaN,
        listeners: Number.NaN,
        song: 'a\0b',
      }),
    );
    expect(odd.status).toBe('ok');
    if (odd.status !== 'ok') return;
    expect(odd.value.volumeLeftDb).toBe(-90);
    expect(odd.value.volumeRightDb).toBe(-90);
    expect(odd.value.streamSeconds).toBe(0);
    expect(odd.value.streamKBytes).toBe(0xffffffff);
    expect(odd.value.recordSeconds).toBe(0);
    expect(odd.value.listeners).toBe(-1);
    expect(odd.value.song).toBe('ab');
  });

  it('cuts a long song on a character boundary', () => {
    const bytes = encodeStatus({ ...full, song: '♫'.repeat(600) });
    const decoded = decodeStatus(bytes);
    if (decoded.status !== 'ok') throw new Error(decoded.status);
    expect(Buffer.byteLength(decoded.value.song)).toBeLessThanOrEqual(999);
    expect(decoded.value.song).toBe('♫'.repeat(333));
  });

  it('reports partial, legacy, mismatched and code replies', () => {
    const bytes = encodeStatus(full);
    expect(decodeStatus(bytes.subarray(0, 20)).status).toBe('incomplete');
    expect(decodeStatus(bytes.subarray(0, bytes.length - 1)).status).toBe('incomplete');
    const legacy = Buffer.alloc(4);
    legacy.writeUInt32LE(0b101, 0);
    expect(decodeStatus(legacy)).toEqual({ status: 'legacy', bits: 5 });
    const v2 = Buffer.from(bytes);
    v2.writeUInt16LE(2, 4);
    expect(decodeStatus(v2)).toEqual({ status: 'version-mismatch', version: 2 });
    const code = Buffer.alloc(4);
    code.writeInt32LE(-10, 0);
    expect(decodeStatus(code, true)).toEqual({ status: 'code', code: -10 });
  });
});

describe('control wire: thresholds', () => {
  const four = (write: (b: Buffer) => void): Buffer => {
    const b = Buffer.alloc(4);
    write(b);
    return b;
  };

  it('reads int32 0..86400 as integer seconds (BUTT <= 1.42)', () => {
    for (const s of [0, 1, 5, 3600, 86_400]) expect(decodeThreshold(four((b) => b.writeInt32LE(s, 0)))).toBe(s);
  });

  it('reads float32 seconds (BUTT >= 1.43)', () => {
    for (const s of [0.5, 5, 2.25, 3600, 86_400]) expect(decodeThreshold(four((b) => b.writeFloatLE(s, 0)))).toBe(s);
  });

  it('refuses negative, huge and non-finite values', () => {
    for (const write of [
      (b: Buffer) => b.writeInt32LE(-1, 0),
      (b: Buffer) => b.writeFloatLE(-3, 0),
      (b: Buffer) => b.writeFloatLE(90_000, 0),
      (b: Buffer) => b.writeFloatLE(Number.NaN, 0),
      (b: Buffer) => b.writeFloatLE(Number.POSITIVE_INFINITY, 0),
    ]) {
      expect(decodeThreshold(four(write))).toBeUndefined();
    }
  });

  it('encodes integers as int32 and fractions as float32 by default', () => {
    const int = encodeRequest({ kind: 'set-threshold', threshold: 'record-silence', seconds: 30 });
    expect(int.readUInt32LE(0)).toBe(12);
    expect(int.readInt32LE(16)).toBe(30);
    const float = encodeRequest({ kind: 'set-threshold', threshold: 'record-signal', seconds: 2.5 });
    expect(float.readUInt32LE(0)).toBe(11);
    expect(float.readFloatLE(16)).toBe(2.5);
    expect(decodeFrame(float)).toMatchObject({ status: 'ok', request: { threshold: 'record-signal', seconds: 2.5 } });
  });
});

describe('control wire: malformed frames', () => {
  const invalid = (bytes: Buffer): string => {
    const result = decodeFrame(bytes);
    if (result.status !== 'invalid') throw new Error(`expected invalid, got ${result.status}`);
    return result.error.message;
  };

  it('waits for a whole header and whole parameters', () => {
    expect(decodeFrame(Buffer.alloc(15)).status).toBe('incomplete');
    expect(decodeFrame(frame(8, Buffer.from('abc\0')).subarray(0, 18)).status).toBe('incomplete');
  });

  it('refuses unknown commands and parameters over 1000 bytes', () => {
    expect(invalid(frame(0))).toMatch(/unknown command 0/);
    expect(invalid(frame(13))).toMatch(/unknown command 13/);
    expect(invalid(frame(8, [], 1001))).toMatch(/over 1000/);
    expect(invalid(frame(8, [], 0xffffffff))).toMatch(/over 1000/);
  });

  it('refuses strings without NUL, with invalid UTF-8, and thresholds of the wrong size', () => {
    expect(invalid(frame(8, Buffer.from('abc')))).toMatch(/NUL/);
    expect(invalid(frame(1, Buffer.from([0x41, 0xff, 0x42, 0])))).toMatch(/UTF-8/);
    expect(invalid(frame(8, Buffer.from([0xc3, 0x28, 0])))).toMatch(/UTF-8/);
    expect(invalid(frame(8, Buffer.from([0xed, 0xa0, 0x80, 0])))).toMatch(/UTF-8/); // a lone surrogate
    expect(invalid(frame(9, [1, 0, 0]))).toMatch(/4 bytes/);
    expect(invalid(frame(9, []))).toMatch(/4 bytes/);
  });

  it('an empty song is a valid (empty) title; an empty server name means no name', () => {
    expect(decodeFrame(frame(8, [0]))).toMatchObject({ status: 'ok', request: { kind: 'set-song', title: '' } });
    expect(decodeFrame(frame(1, [0]))).toMatchObject({ status: 'ok', request: { kind: 'connect' } });
  });

  it("accepts BUTT's client's cut-off long song: 1000 bytes, no NUL, half a character dropped", () => {
    // BUTT's client sends strlen+1 capped at 1000 bytes: no NUL, maybe a split character.
    const text = 'x'.repeat(998) + '♫'; // 998 + 3 bytes: the cut leaves 2 bytes of the note
    const param = Buffer.from(text).subarray(0, 1000);
    const result = decodeFrame(frame(8, param));
    expect(result).toMatchObject({ status: 'ok', request: { kind: 'set-song', title: 'x'.repeat(998) } });
  });

  it('ignores bytes after the frame and parameters of commands that take none', () => {
    expect(decodeFrame(Buffer.concat([frame(3), Buffer.from('junk')]))).toEqual({ status: 'ok', request: { kind: 'start-recording' }, frameLength: 16 });
    expect(decodeFrame(frame(2, [1, 2, 3]))).toEqual({ status: 'ok', request: { kind: 'disconnect' }, frameLength: 19 });
  });
});
