/**
 * Turning raw text (a file's contents, a URL's body, a typed title) into the title we send:
 * BOM and line endings stripped, one line picked, control characters dropped, prefix/suffix.
 */

export type LinePick = 'first' | 'last';

/** Longest title we send, in characters; ICY metadata holds at most 4080 bytes in all. */
export const MAX_TITLE_CHARS = 1000;

/**
 * The first or last non-blank line of `text` (BUTT's `read_last_line` picks the last), trimmed.
 * Handles a UTF-8 BOM and CRLF/CR/LF endings. Blank text gives '' (which clears the title).
 */
export function pickLine(text: string, pick: LinePick): string {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .map((line) => cleanTitle(line))
    .filter((line) => line.length > 0);
  return (pick === 'first' ? lines[0] : lines[lines.length - 1]) ?? '';
}

/** Drops control characters (a tab becomes a space), trims, and caps the length. */
export function cleanTitle(title: string): string {
  const cleaned = title
    .replace(/\t/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  return [...cleaned].slice(0, MAX_TITLE_CHARS).join('');
}

/**
 * Adds prefix and suffix (plain strings: the BUTT importer has already turned `%20` into
 * spaces). An empty title stays empty so that clearing the title really clears it.
 */
export function decorateTitle(title: string, prefix = '', suffix = ''): string {
  return title === '' ? '' : `${prefix}${title}${suffix}`;
}
