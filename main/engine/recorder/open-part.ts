/**
 * Chooses and opens the file for one recording part: expands the name, applies the
 * existing-file policy (overwrite / append / new index), creates the folder.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';
import { dirname } from 'node:path';
import { appError, isAppError, type AppError } from '../../shared/errors';
import type { Encoder } from '../audio/encoder';
import { supportsAppend } from './file-capabilities';
import {
  pathExists,
  resolveRecordingPathAsync,
  withIndex,
  type FileNameContext,
  type FileNameTemplate,
} from './file-name';

export type ExistingFilePolicy = 'overwrite' | 'append' | 'new-index';

export interface OpenedPart {
  handle: FileHandle;
  path: string;
  /** Where this part's first byte goes (0, or the end of the audio of an appended file). */
  writeAt: number;
  appended: boolean;
}

export interface OpenPartRequest {
  template: FileNameTemplate;
  context: FileNameContext;
  policy: ExistingFilePolicy;
  encoder: Encoder;
  /** Paths this recording already wrote: a later part never overwrites or extends them. */
  avoid: ReadonlySet<string>;
}

/** Bound on retries when another writer takes a free name between our check and our open. */
const NAME_RACE_RETRIES = 5;

export async function openPart(request: OpenPartRequest): Promise<OpenedPart | AppError> {
  const { template, context, encoder } = request;
  for (let attempt = 0; attempt < NAME_RACE_RETRIES; attempt++) {
    const named = await resolveRecordingPathAsync(template, context);
    if (!named.ok) return named.error;
    let path = named.path;
    let mode: 'new' | 'overwrite' | 'append' = 'new';
    if (await pathExists(path)) {
      if (request.avoid.has(path) || request.policy === 'new-index') {
        const indexed = await resolveRecordingPathAsync(withIndex(template), context);
        if (!indexed.ok) return indexed.error;
        path = indexed.path;
      } else if (request.policy === 'append') {
        if (!supportsAppend(encoder)) {
          return appError(
            'RECORDER_APPEND_REFUSED',
            `"${path}" exists and ${encoder.codec.toUpperCase()} recordings cannot be appended to. Choose "overwrite" or "new index" for existing files.`,
          );
        }
        mode = 'append';
      } else {
        mode = 'overwrite';
      }
    }
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      return openFailed(path, error);
    }
    let handle: FileHandle;
    try {
      handle = await open(path, mode === 'new' ? 'wx' : mode === 'overwrite' ? 'w' : 'r+');
    } catch (error) {
      if (mode === 'new' && errnoCode(error) === 'EEXIST') continue;
      return openFailed(path, error);
    }
    if (mode !== 'append' || !supportsAppend(encoder)) return { handle, path, writeAt: 0, appended: false };
    const appended = await prepareAppend(handle, path, encoder);
    if (isAppError(appended)) {
      await handle.close().catch(() => undefined);
      return appended;
    }
    return { handle, path, writeAt: appended, appended: true };
  }
  return appError('RECORDER_OPEN_FAILED', 'Could not find a free recording file name: other programs keep taking it.');
}

async function prepareAppend(handle: FileHandle, path: string, encoder: Encoder): Promise<number | AppError> {
  try {
    const { size } = await handle.stat();
    const fd = handle.fd;
    const read = (offset: number, length: number): Uint8Array => {
      const bytes = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      const got = readSync(fd, bytes, 0, bytes.length, offset);
      return bytes.subarray(0, got);
    };
    if (!supportsAppend(encoder)) return appError('RECORDER_APPEND_REFUSED', `Cannot append to "${path}".`);
    const plan = encoder.prepareAppend({ size, read });
    if (isAppError(plan)) return { ...plan, message: `${plan.message} (${path})` };
    // Cut what follows the audio (a half-written frame of a killed recording, a pad byte).
    await handle.truncate(plan.writeAt);
    return plan.writeAt;
  } catch (error) {
    return openFailed(path, error);
  }
}

function openFailed(path: string, error: unknown): AppError {
  const code = errnoCode(error);
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOSPC' || code === 'EDQUOT'
        ? 'the disk is full'
        : code === 'EROFS'
          ? 'the disk is read-only'
          : (code ?? 'unknown error');
  return appError('RECORDER_OPEN_FAILED', `Cannot open the recording file "${path}": ${why}.`, String(error));
}

export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;
}
