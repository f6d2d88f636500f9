/**
 * `<data-dir>/aes67-sdp-session.json`: the SDP session id and the last version sent, so a
 * restart keeps the same session (receivers and Dante Controller treat a new id as a new
 * stream) and never announces a changed SDP under an old version.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { appError, type AppError } from '../../shared/errors';

export const SdpRecordSchema = z.object({
  sessionId: z.string().regex(/^\d{1,20}$/),
  version: z.number().int().min(1),
  /** The SDP as last announced: a restart with the same text keeps the version. */
  sdp: z.string(),
});
export type SdpRecord = z.infer<typeof SdpRecordSchema>;

/** The stored record; null when there is none yet; an error when it exists but is unreadable. */
export function readSdpRecord(path: string): SdpRecord | null | { error: AppError } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { error: appError('AES67_SDP_SESSION_UNREADABLE', `Could not read the AES67 SDP session file ${path}; a new session id is used`, String(error)) };
  }
  try {
    return SdpRecordSchema.parse(JSON.parse(text));
  } catch (error) {
    return { error: appError('AES67_SDP_SESSION_UNREADABLE', `The AES67 SDP session file ${path} is damaged; a new session id is used`, String(error)) };
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a record. */
export function writeSdpRecord(path: string, record: SdpRecord): AppError | null {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, JSON.stringify(record) + '\n', { mode: 0o600 });
    renameSync(temporary, path);
    return null;
  } catch (error) {
    return appError('AES67_SDP_SESSION_UNWRITABLE', `Could not save the AES67 SDP session to ${path}: the next start may announce a new session`, String(error));
  }
}
