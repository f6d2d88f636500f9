import { describe, expect, it } from 'vitest';
import { readButtrc } from '../../main/settings/buttrc/buttrc-reader';
import { importButtrc } from '../../main/settings/buttrc/butt-import';

function doc(text: string | Uint8Array) {
  const result = readButtrc(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.document;
}

describe('BUTT dialect', () => {
  it('comments of each kind, blank lines, blanks around "=", and "#" inside a value', () => {
    const d = doc('# hash\n% percent\n; semicolon\n   # indented\n\n[main]\nlog_file=/tmp/a#b\n  song_path   =   /x y  \n');
    expect([...d.sections.keys()]).toEqual(['main']);
    expect(d.sections.get('main')?.entries.get('log_file')?.value).toBe('/tmp/a#b');
    expect(d.sections.get('main')?.entries.get('song_path')).toEqual({ key: 'song_path', value: '/x y', line: 8 });
  });

  it('CRLF files read like LF files, line numbers included', () => {
    const lf = doc('[main]\nserver = a\n\n[a]\naddress = h\n');
    const crlf = doc('[main]\r\nserver = a\r\n\r\n[a]\r\naddress = h\r\n');
    expect(crlf.sections).toEqual(lf.sections);
    expect(crlf.sections.get('a')?.entries.get('address')).toEqual({ key: 'address', value: 'h', line: 5 });
  });

  it('%20 in song_prefix/suffix becomes spaces (BUTT loses leading blanks otherwise); elsewhere it stays', () => {
    const r = importButtrc('[main]\nsong_prefix = %20Now:%20\nsong_suffix = %20%20\nsong_path = /a%20b\n');
    expect(r.ok && r.value.settings.song).toMatchObject({ prefix: ' Now: ', suffix: '  ', filePath: '/a%20b' });
  });

  it('an empty value means the default', () => {
    const r = importButtrc('[audio]\nsamplerate =\nbitrate = \ncodec =\n[record]\nfolder =\nfilename = \n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.settings.audio.input.sampleRate).toBe(44100);
    expect(r.value.settings.audio.streamCodecs.mp3.bitrateKbps).toBe(128);
    expect(r.value.settings.audio.record.folder).toBe('~');
    expect(r.value.settings.audio.record.fileName).toBe('rec_%Y%m%d-%H%M%S.mp3');
    expect(r.value.notes).toEqual([]);
  });

  it('a repeated key: the later value wins, as in BUTT, with a note naming both lines', () => {
    const d = doc('[main]\ngain = 1.0\ngain = 2.0\n');
    expect(d.sections.get('main')?.entries.get('gain')).toEqual({ key: 'gain', value: '2.0', line: 3 });
    expect(d.notes).toEqual([{ line: 3, message: expect.stringMatching(/gain repeated \(line 2\)/) }]);
  });

  it('a repeated section continues the first', () => {
    const d = doc('[main]\na = 1\n[audio]\nb = 2\n[main]\nc = 3\n');
    expect([...(d.sections.get('main')?.entries.keys() ?? [])]).toEqual(['a', 'c']);
    expect(d.notes[0]).toMatchObject({ line: 5 });
  });

  it('a malformed line is an error naming the line (BUTT skips it silently)', () => {
    const result = readButtrc('[main]\nserver = a\nthis line is broken\n', 'my.buttrc');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('BUTTRC_SYNTAX');
    expect(result.error.message).toMatch(/^my\.buttrc, line 3: .*"this line is broken"/);
    const unclosed = readButtrc('\n\n[main\n');
    expect(!unclosed.ok && unclosed.error.message).toMatch(/line 3/);
    const orphan = readButtrc('# c\nkey = value\n[main]\n');
    expect(!orphan.ok && orphan.error.message).toMatch(/line 2: "key" comes before any \[section\]/);
    const imported = importButtrc('[main]\ngain = 1\n[audio\n');
    expect(!imported.ok && imported.error.message).toMatch(/line 3/);
  });

  it('UTF-8 by default; a Windows-1252 file is read as such, with a note; a BOM is skipped', () => {
    const utf8 = doc(new TextEncoder().encode('\uFEFF[x]\nd = Jäzz – ü\n'));
    expect(utf8.sections.get('x')?.entries.get('d')?.value).toBe('Jäzz – ü');
    expect(utf8.encoding).toBe('utf-8');
    const latin = doc(Uint8Array.from([...new TextEncoder().encode('[x]\nd = J'), 0xe4, 0x7a, 0x7a, 0x0a]));
    expect(latin.sections.get('x')?.entries.get('d')?.value).toBe('Jäzz');
    expect(latin.encoding).toBe('windows-1252');
    expect(latin.notes[0]?.message).toMatch(/not valid UTF-8/);
  });

  it('keys Airtight does not know are kept, empty ones too', () => {
    const r = importButtrc('[main]\nfuture_key = 42\n[brand_new]\nx = \ny = z\n');
    expect(r.ok && r.value.settings.compat.butt.extra).toEqual([
      { section: 'main', key: 'future_key', value: '42' },
      { section: 'brand_new', key: 'x', value: '' },
      { section: 'brand_new', key: 'y', value: 'z' },
    ]);
  });

  it('a server sharing its name with a stream info (common in BUTT files) round-trips as one section', async () => {
    const { exportButtrc } = await import('../../main/settings/buttrc/butt-export');
    const text = '[main]\nserver = Radio\nsrv_ent = Radio\nicy = Radio\nicy_ent = Radio\n[Radio]\naddress = h\nport = 8000\npassword = p\ntype = 1\nmount = m\n[Radio]\npub = 1\ndescription = d\n';
    const first = importButtrc(text);
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.settings.stream.servers[0]?.extra).toEqual({});
    expect(first.value.settings.stream.streamInfos[0]).toMatchObject({ name: 'Radio', public: true, description: 'd' });
    const exported = exportButtrc(first.value.settings, (ref) => first.value.secrets.get(ref));
    if (!exported.ok) throw new Error(exported.error.message);
    expect(exported.text.match(/\[Radio\]/g)).toHaveLength(1);
    const second = importButtrc(exported.text);
    expect(second.ok && second.value.settings).toEqual(first.value.settings);
  });
});
