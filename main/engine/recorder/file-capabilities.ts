/**
 * Optional abilities an Encoder may have when its output goes to a file. The recorder works
 * with any Encoder and uses these only where an encoder offers them.
 */
import type { AppError } from '../../shared/errors';
import type { Encoder, HeaderPatch } from '../audio/encoder';

/** Encoders whose header can describe a file cut after any write (WAV; FLAC could). */
export interface LiveHeader {
  /**
   * Header rewrites that make a file holding only the first `fileBytes` bytes of this
   * encoder's output (a killed or disk-full recording) valid and playable.
   */
  patchesForLength(fileBytes: number): HeaderPatch[];
}

/** An existing file, read synchronously (done off the audio path, while a part opens). */
export interface ExistingFile {
  size: number;
  read(offset: number, length: number): Uint8Array;
}

/** Encoders whose files can be continued (WAV). */
export interface Appendable {
  /**
   * Checks that `file` is compatible and switches the encoder to continue it: no header is
   * emitted, and patches count the audio already there. Returns the byte offset where new
   * output goes (the file is cut there first), or why appending is impossible.
   */
  prepareAppend(file: ExistingFile): { writeAt: number } | AppError;
}

export function hasLiveHeader(encoder: Encoder): encoder is Encoder & LiveHeader {
  return typeof (encoder as Partial<LiveHeader>).patchesForLength === 'function';
}

export function supportsAppend(encoder: Encoder): encoder is Encoder & Appendable {
  return typeof (encoder as Partial<Appendable>).prepareAppend === 'function';
}
