/**
 * Pure parts of titles and listener counts: line picking, encoding, the exact Shoutcast request
 * bytes (no Shoutcast DNAS is available here: Icecast's admin.cgi compatibility is tested in
 * icecast-titles.test.ts), answer parsing, and every listener-count format.
 */
import { describe, expect, it } from 'vitest';
import { basicAuth, percentEncode } from '../../../main/engine/stream/metadata/percent-encode';
import { cleanTitle, decorateTitle, pickLine } from '../../../main/engine/stream/metadata/title-text';
import { icecastMetadataUrl, parseIcecastAnswer } from '../../../main/engine/stream/metadata/icecast-title';
import { parseShoutcastAnswer, parseShoutcastPassword, shoutcastUpdinfoRequest } from '../../../main/engine/stream/metadata/shoutcast-title';
import { parseRawAnswer } from '../../../main/engine/stream/metadata/raw-http';
import {
  listenerSourceUrl,
  listenersFrom7Html,
  listenersFromIcecastJson,
  listenersFromIcecastStatsXml,
  listenersFromNumber,
  listenersFromShoutcastStats,
} from '../../../main/engine/stream/metadata/listener-count';

const code = (r: { ok: boolean; error?: { code: string } }): string => (r.ok ? 'ok' : r.error!.code);

describe('title text', () => {
  it('picks the first or last non-blank line, without BOM, CR or control characters', () => {
    const text = '\uFEFF  Artist - One \r\nArtist - Two\r\n\r\nArtist\t- Three\u0007\r\n\r\n';
    expect(pickLine(text, 'first')).toBe('Artist - One');
    expect(pickLine(text, 'last')).toBe('Artist - Three');
    expect(pickLine('old mac\rnew mac\r', 'last')).toBe('new mac');
    expect(pickLine('', 'first')).toBe('');
    expect(pickLine('\uFEFF\r\n  \r\n', 'last')).toBe('');
  });

  it('prefix/suffix wrap a title but leave a cleared title empty', () => {
    expect(decorateTitle('Song', 'Now: ', ' | Radio')).toBe('Now: Song | Radio');
    expect(decorateTitle('', 'Now: ', ' | Radio')).toBe('');
    expect([...cleanTitle('x'.repeat(5000))].length).toBe(1000);
  });

  it('percent-encodes UTF-8 bytes (RFC 3986 unreserved only) and survives lone surrogates', () => {
    expect(percentEncode('Café — ♫')).toBe('Caf%C3%A9%20%E2%80%94%20%E2%99%AB');
    expect(percentEncode("a&b=c+d'(e)*!~._-")).toBe('a%26b%3Dc%2Bd%27%28e%29%2A%21~._-');
    expect(percentEncode('x\uD800y')).toBe('x%EF%BF%BDy');
    expect(basicAuth('source', 'pässwörd')).toBe(`Basic ${Buffer.from('source:pässwörd', 'utf8').toString('base64')}`);
  });
});

describe('Icecast title request and answers', () => {
  it('builds the update URL with charset=UTF-8', () => {
    const url = icecastMetadataUrl({ host: '::1', port: 8000, mount: 'live', user: 'source', password: 'p' }, 'A & B');
    expect(url).toBe('http://[::1]:8000/admin/metadata?mount=/live&mode=updinfo&charset=UTF-8&song=A%20%26%20B');
    expect(icecastMetadataUrl({ host: 'h', port: 443, tls: true, mount: '/a b.mp3', user: 's', password: 'p' }, '')).toBe(
      'https://h:443/admin/metadata?mount=/a%20b.mp3&mode=updinfo&charset=UTF-8&song=',
    );
  });

  it('reads success, bad credentials, missing mounts and other refusals', () => {
    const ok = '<?xml version="1.0"?>\n<iceresponse><message>Metadata update successful</message><return>1</return></iceresponse>';
    expect(parseIcecastAnswer(200, ok, '/m')).toEqual({ ok: true });
    expect(code(parseIcecastAnswer(200, '<iceresponse><message>no</message><return>0</return></iceresponse>', '/m'))).toBe('TITLE_REJECTED');
    expect(code(parseIcecastAnswer(401, 'You need to authenticate', '/m'))).toBe('TITLE_AUTH_FAILED');
    // Icecast 2.4 on an Ogg mount: "return 1" although nothing changed.
    expect(code(parseIcecastAnswer(200, '<iceresponse><message>Mountpoint will not accept URL updates</message><return>1</return></iceresponse>', '/m'))).toBe('TITLE_IN_STREAM_ONLY');
    expect(code(parseIcecastAnswer(400, '<html><body><b>400 - Source does not exist</b></body></html>', '/m'))).toBe('TITLE_MOUNT_NOT_FOUND');
    expect(code(parseIcecastAnswer(404, 'Not found', '/m'))).toBe('TITLE_NOT_SUPPORTED');
    const other = parseIcecastAnswer(500, '<html><body><b>500 - Internal Server Error</b></body></html>', '/m');
    expect(other.ok ? '' : other.error.message).toContain('Internal Server Error');
  });
});

describe('Shoutcast title request and answers', () => {
  it('v1: the exact request bytes', () => {
    const request = shoutcastUpdinfoRequest({ host: 'radio.example', port: 8000, password: 'p&ss word' }, 'Café — Ünïcödé ♫');
    expect(request).toBe(
      'GET /admin.cgi?pass=p%26ss%20word&mode=updinfo&song=Caf%C3%A9%20%E2%80%94%20%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E2%99%AB HTTP/1.0\r\n' +
        'Host: radio.example:8000\r\n' +
        'User-Agent: Airtight (Mozilla Compatible)\r\n' +
        'Connection: close\r\n\r\n',
    );
    expect(Buffer.byteLength(request, 'utf8')).toBe(request.length); // pure ASCII on the wire
  });

  it('v2: sid first, from a user:pass:#sid password field', () => {
    const creds = parseShoutcastPassword('dj:secret:pw:#3');
    expect(creds).toEqual({ user: 'dj', password: 'secret:pw', sid: 3 });
    expect(parseShoutcastPassword('dj:secret')).toEqual({ user: 'dj', password: 'secret' });
    expect(parseShoutcastPassword('plain')).toEqual({ password: 'plain' });
    const request = shoutcastUpdinfoRequest({ host: '10.0.0.1', port: 8000, password: creds.password, sid: creds.sid }, 'A');
    expect(request.split('\r\n')[0]).toBe('GET /admin.cgi?sid=3&pass=secret%3Apw&mode=updinfo&song=A HTTP/1.0');
  });

  it('reads v1/v2 answers, including refusals sent as 200 pages', () => {
    expect(parseRawAnswer(Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>ok</body></html>')).status).toBe(200);
    expect(parseRawAnswer(Buffer.from('ICY 401 Service Unavailable\r\n\r\n')).status).toBe(401);
    expect(parseRawAnswer(Buffer.from('garbage')).status).toBe(0);
    expect(parseShoutcastAnswer(200, '<html><body>Update successful</body></html>')).toEqual({ ok: true });
    expect(code(parseShoutcastAnswer(200, '<html><body><b>Invalid Password</b></body></html>'))).toBe('TITLE_AUTH_FAILED');
    expect(code(parseShoutcastAnswer(401, ''))).toBe('TITLE_AUTH_FAILED');
    expect(code(parseShoutcastAnswer(0, ''))).toBe('TITLE_REJECTED');
    expect(code(parseShoutcastAnswer(400, 'Bad Request'))).toBe('TITLE_REJECTED');
  });
});

describe('listener counts', () => {
  const one = JSON.stringify({ icestats: { server_id: 'Icecast 2.4.4', source: { listenurl: 'http://h:8000/live.mp3', listeners: 4 } } });
  const many = JSON.stringify({
    icestats: { source: [{ listenurl: 'http://h:8000/live.mp3x', listeners: 9 }, { listenurl: 'http://h:8000/live.mp3', listeners: 5 }] },
  });

  it('Icecast status-json: one source is an object, several an array, none absent; the mount must match exactly', () => {
    expect(listenersFromIcecastJson(one, '/live.mp3')).toEqual({ ok: true, listeners: 4 });
    expect(listenersFromIcecastJson(many, 'live.mp3')).toEqual({ ok: true, listeners: 5 });
    expect(code(listenersFromIcecastJson(JSON.stringify({ icestats: { server_id: 'x' } }), '/live.mp3'))).toBe('LISTENERS_MOUNT_NOT_FOUND');
    expect(code(listenersFromIcecastJson(one, '/other'))).toBe('LISTENERS_MOUNT_NOT_FOUND');
    expect(code(listenersFromIcecastJson('{"icestats":', '/live.mp3'))).toBe('LISTENERS_UNREADABLE');
  });

  it('Icecast /admin/stats XML', () => {
    const xml = '<icestats><listeners>9</listeners><source mount="/a"><listeners>1</listeners></source><source mount="/live.mp3"><title>x</title><listeners>3</listeners></source></icestats>';
    expect(listenersFromIcecastStatsXml(xml, '/live.mp3')).toEqual({ ok: true, listeners: 3 });
    expect(code(listenersFromIcecastStatsXml(xml, '/b'))).toBe('LISTENERS_MOUNT_NOT_FOUND');
  });

  it('Shoutcast 2 stats (XML and JSON) and Shoutcast 1 7.html (field 1)', () => {
    expect(listenersFromShoutcastStats('<?xml version="1.0"?><SHOUTCASTSERVER><CURRENTLISTENERS>12</CURRENTLISTENERS><PEAKLISTENERS>40</PEAKLISTENERS></SHOUTCASTSERVER>')).toEqual({ ok: true, listeners: 12 });
    expect(listenersFromShoutcastStats('{"currentlisteners":6,"peaklisteners":9,"songtitle":"x"}')).toEqual({ ok: true, listeners: 6 });
    expect(code(listenersFromShoutcastStats('<html>nope</html>'))).toBe('LISTENERS_UNREADABLE');
    expect(listenersFrom7Html('<html><body>8,1,22,500,7,128,Artist, with comma - Title</body></html>')).toEqual({ ok: true, listeners: 8 });
    expect(code(listenersFrom7Html('<html><body>Not found</body></html>'))).toBe('LISTENERS_UNREADABLE');
  });

  it('a custom URL must answer a plain number', () => {
    expect(listenersFromNumber(' 42\n')).toEqual({ ok: true, listeners: 42 });
    expect(code(listenersFromNumber('42 listeners'))).toBe('LISTENERS_UNREADABLE');
    expect(code(listenersFromNumber('-1'))).toBe('LISTENERS_UNREADABLE');
  });

  it('URLs per source kind', () => {
    expect(listenerSourceUrl({ kind: 'shoutcast-stats', baseUrl: 'http://h:8000/', sid: 2 })).toBe('http://h:8000/stats?sid=2&json=1');
    expect(listenerSourceUrl({ kind: 'shoutcast-7html', baseUrl: 'http://h:8000' })).toBe('http://h:8000/7.html');
    expect(listenerSourceUrl({ kind: 'icecast-json', baseUrl: 'https://h', mount: '/m' })).toBe('https://h/status-json.xsl');
  });
});
