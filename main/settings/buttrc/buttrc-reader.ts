/**
 * Reads BUTT's config dialect (see docs in butt-compat.md and BUTT's parseconfig):
 * - a comment line starts with `#`, `%` or `;` (BUTT checks the first column; we also allow
 *   leading blanks); there are no comments after a value (a password may contain `#`);
 * - `[name]` opens a section; the name runs to the first `]`;
 * - `key = value`: the key has no blanks or `=`; blanks around `=` and trailing blanks are
 *   dropped; so are leading blanks of the value, which is why BUTT writes spaces of
 *   song_prefix/suffix as %20 (decoded by the importer, not here);
 * - an empty value means "use the default" (kept here as '' so unknown keys survive);
 * - a repeated key replaces the earlier one, a repeated section continues it (as in BUTT);
 * - CRLF and LF line ends.
 * Encoding: UTF-8, because BUTT's strings come from FLTK, which is UTF-8 on every platform.
 * A file that is not valid UTF-8 (hand-edited in a Windows-1252 editor) is read as
 * Windows-1252 and a note says so, rather than replacing characters of a password.
 * Unlike BUTT, a line that is none of the above is an error naming the line: BUTT skips it
 * silently and the setting it held is lost.
 */
import { appError, type AppError } from '../../shared/errors';

export interface ButtrcEntry {
  key: string;
  value: string;
  line: number;
}

export interface ButtrcSection {
  name: string;
  line: number;
  /** Insertion order; a repeated key keeps its first position and takes the last value. */
  entries: Map<string, ButtrcEntry>;
}

export interface ButtrcNote {
  line?: number;
  message: string;
}

export interface ButtrcDocument {
  sections: Map<string, ButtrcSection>;
  encoding: 'utf-8' | 'windows-1252';
  notes: ButtrcNote[];
}

export type ButtrcReadResult = { ok: true; document: ButtrcDocument } | { ok: false; error: AppError };

const COMMENT = /^[ \t]*[#%;]/;
const BLANK = /^[ \t]*$/;
const SECTION = /^[ \t]*\[([^\]]+)\](.*)$/;
const ENTRY = /^[ \t]*([^=\s]+)[ \t]*=[ \t]*(.*)$/;

export function decodeButtrc(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'windows-1252' } {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const body = bytes.subarray(start);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(body), encoding: 'windows-1252' };
  }
}

export function readButtrc(input: Uint8Array | string, source = 'the BUTT config file'): ButtrcReadResult {
  const notes: ButtrcNote[] = [];
  let text: string;
  let encoding: 'utf-8' | 'windows-1252' = 'utf-8';
  if (typeof input === 'string') text = input.replace(/^\uFEFF/, '');
  else {
    const decoded = decodeButtrc(input);
    text = decoded.text;
    encoding = decoded.encoding;
    if (encoding !== 'utf-8') notes.push({ message: `${source} is not valid UTF-8: read as Windows-1252 (Latin-1).` });
  }
  const sections = new Map<string, ButtrcSection>();
  let current: ButtrcSection | undefined;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    let line = lines[index] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.includes('\0')) return fail(source, lineNo, 'contains a NUL byte: this is not a text config file');
    if (BLANK.test(line) || COMMENT.test(line)) continue;
    const section = SECTION.exec(line);
    if (section) {
      const name = section[1] ?? '';
      if ((section[2] ?? '').trim() !== '') notes.push({ line: lineNo, message: `text after [${name}] ignored` });
      const existing = sections.get(name);
      if (existing) {
        notes.push({ line: lineNo, message: `section [${name}] repeated (first at line ${existing.line}): its keys are merged` });
        current = existing;
      } else {
        current = { name, line: lineNo, entries: new Map() };
        sections.set(name, current);
      }
      continue;
    }
    const entry = ENTRY.exec(line);
    if (entry) {
      const key = entry[1] ?? '';
      const value = (entry[2] ?? '').replace(/[ \t]+$/, '');
      if (!current) return fail(source, lineNo, `"${key}" comes before any [section]`);
      const earlier = current.entries.get(key);
      if (earlier) {
        notes.push({ line: lineNo, message: `[${current.name}] ${key} repeated (line ${earlier.line}): the later value wins, as in BUTT` });
        earlier.value = value;
        earlier.line = lineNo;
      } else current.entries.set(key, { key, value, line: lineNo });
      continue;
    }
    return fail(source, lineNo, `expected "[section]", "key = value" or a comment, found "${clip(line)}"`);
  }
  return { ok: true, document: { sections, encoding, notes } };
}

function fail(source: string, line: number, what: string): ButtrcReadResult {
  return { ok: false, error: appError('BUTTRC_SYNTAX', `${source}, line ${line}: ${what}. Nothing was imported.`) };
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
