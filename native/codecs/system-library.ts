/**
 * The machine's own codec libraries (libmp3lame, libvorbisenc, libFLAC), loaded with koffi.
 * They are the reference encoders at native speed, where the WebAssembly builds in
 * node_modules are 1.5-2.6x slower. Nothing is compiled: only the runtime packages are needed
 * (libmp3lame0, libvorbisenc2, libflac12 on Debian). Where a library is missing the encoder
 * falls back to its WebAssembly build and says so in `Encoder.implementation`.
 */
import type { IKoffiLib } from 'koffi';
import { appError, AppErrorException } from '../../main/shared/errors';
import { guardLibrary } from '../native-call-guard';

/** `system`: only the machine's library; `wasm`: only the bundled WebAssembly; `auto`: system, else wasm. */
export type EncoderImplementation = 'auto' | 'system' | 'wasm';

export type SystemLibrary = { ok: true; lib: IKoffiLib; soname: string } | { ok: false; reason: string };

const loaded = new Map<string, SystemLibrary>();

/** The preference from AIRTIGHT_ENCODERS (tests and benchmarks pin one side), `auto` otherwise. */
export function encoderImplementationFromEnv(env: NodeJS.ProcessEnv = process.env): EncoderImplementation {
  const value = env.AIRTIGHT_ENCODERS;
  return value === 'system' || value === 'wasm' ? value : 'auto';
}

/**
 * Loads `soname` once per thread (koffi handles are per isolate); the failure is kept as a
 * reason. Every function declared on it goes through this thread's native call guard, so a
 * thread stopped past its deadline is never terminated inside a library call.
 */
export function loadSystemLibrary(soname: string): SystemLibrary {
  const known = loaded.get(soname);
  if (known) return known;
  let result: SystemLibrary;
  if (process.platform !== 'linux') {
    result = { ok: false, reason: `system codec libraries are used on Linux only (this is ${process.platform})` };
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const koffi = require('koffi') as typeof import('koffi');
      result = { ok: true, lib: guardLibrary(koffi.load(soname)), soname };
    } catch (error) {
      result = { ok: false, reason: `${soname} could not be loaded: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  loaded.set(soname, result);
  return result;
}

/** Why a codec library cannot be used; `missing` when the library itself is absent or incomplete. */
export interface LibraryFailure {
  reason: string;
  missing?: boolean;
}

/**
 * The operator's error when 'system' was asked for (AIRTIGHT_ENCODERS=system, or a test) and
 * the library cannot be used: not installed, or it refused the settings.
 */
export function systemLibraryError(codec: string, soname: string, debianPackage: string, failure: LibraryFailure): AppErrorException {
  return new AppErrorException(
    failure.missing
      ? appError('ENCODER_LIBRARY_MISSING', `The ${codec} encoder library ${soname} cannot be used (install the Debian package ${debianPackage})`, failure.reason)
      : appError('ENCODER_INIT_FAILED', `The ${codec} encoder library ${soname} refused these settings`, failure.reason),
  );
}
