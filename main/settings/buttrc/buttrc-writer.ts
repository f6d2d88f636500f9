/**
 * Writes BUTT's config dialect: `[section]`, `key = value`, LF line ends, UTF-8. Values BUTT
 * could not read back as written (line breaks, blanks at either end) are reported, not
 * silently changed; the caller decides (the exporter %20-encodes prefix/suffix first).
 */
import { appError, type AppError } from '../../shared/errors';

export interface WriteSection {
  name: string;
  entries: Array<[key: string, value: string]>;
}

export interface WriteResult {
  text: string;
  /** Values that will not read back exactly as they are (trailing blanks...). */
  warnings: string[];
}

export const BUTTRC_HEADER = '#This is a configuration file for butt (broadcast using this tool)';

export function writeButtrc(sections: WriteSection[], header = BUTTRC_HEADER): { ok: true; result: WriteResult } | { ok: false; error: AppError } {
  const out: string[] = [header, ''];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const section of sections) {
    if (!section.name || /[\]\r\n]/.test(section.name) || section.name !== section.name.trim()) {
      return { ok: false, error: appError('BUTTRC_EXPORT', `A section cannot be named "${section.name}" in a BUTT file (no "]", line breaks or blanks at the ends).`) };
    }
    if (seen.has(section.name)) {
      return { ok: false, error: appError('BUTTRC_EXPORT', `Two sections would both be named [${section.name}]: rename one (a server may not share its name with another server, a stream info or a BUTT section).`) };
    }
    seen.add(section.name);
    out.push(`[${section.name}]`);
    for (const [key, value] of section.entries) {
      if (!/^[^=\s]+$/.test(key)) return { ok: false, error: appError('BUTTRC_EXPORT', `[${section.name}] has a key BUTT cannot read: "${key}".`) };
      if (/[\r\n\0]/.test(value)) {
        return { ok: false, error: appError('BUTTRC_EXPORT', `[${section.name}] ${key} holds a line break, which a BUTT file cannot store.`) };
      }
      if (value !== value.replace(/^[ \t]+|[ \t]+$/g, '')) warnings.push(`[${section.name}] ${key}: blanks at the start or end of the value are lost in a BUTT file`);
      out.push(value === '' ? `${key} = ` : `${key} = ${value}`);
    }
    out.push('');
  }
  return { ok: true, result: { text: out.join('\n'), warnings } };
}
