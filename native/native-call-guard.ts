/**
 * Keeps worker.terminate() out of koffi calls (issue #3).
 *
 * A worker thread terminated while it is inside a koffi call aborts the WHOLE process: the call
 * returns into an isolate that is being torn down, koffi's throw fails there and node-addon-api
 * treats that as fatal ("FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw", the same
 * pattern as Koromix/koffi#190). So a thread that calls native libraries is terminated only
 * through its guard:
 *
 *   worker side  every koffi function goes through `guardNativeCall` (koffi libraries are wrapped
 *                once, by `guardLibrary`): it counts the call in shared memory while it runs,
 *                and refuses to start one (throws, so JavaScript unwinds normally) once the
 *                thread has been abandoned.
 *   controller   `abandon()` marks the thread abandoned and resolves once no call is in
 *                progress; from then on the thread can never enter native code again, and
 *                terminate() is safe (`terminateOutsideNative`).
 *
 * Ordering (sequentially consistent Atomics, the Dekker pattern): the worker increments
 * `depth` THEN reads `abandoned`; the controller writes `abandoned` THEN reads `depth`. One of
 * them sees the other's write: either the call is refused, or the controller waits for it.
 *
 * A thread stuck forever inside a library call would keep abandon() waiting; the encoders are
 * CPU-bound and return, and anything else is bounded by the host, which kills the engine
 * process at its shutdown deadline (docs/ARCHITECTURE.md, the shutdown sequence).
 *
 * Calls made from koffi callbacks (libFLAC's write callback copies with memcpy) nest: only the
 * outermost call checks `abandoned`, and `depth` returns to 0 only when all of them are done.
 */
import type { IKoffiLib } from 'koffi';
import type { Worker } from 'node:worker_threads';
import { appError, AppErrorException } from '../main/shared/errors';

/** Int32 slots of the shared buffer. */
const DEPTH = 0; // koffi calls in progress on the thread (nested ones from callbacks included)
const ABANDONED = 1; // 1 once the controller gave the thread up
const SLOTS = 2;

/** How often abandon() looks again even without a wake-up (a belt to the notify's braces). */
const RECHECK_MS = 100;

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs?: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
// ES2024 (Node 16+ has it); the project's TypeScript lib stops at ES2023.
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** The controller's end, owned by whoever starts the thread; hand `buffer` to the thread. */
export class NativeCallGuard {
  readonly buffer = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
  private readonly slots = new Int32Array(this.buffer);

  /**
   * Refuses the thread any further koffi call and resolves once none is in progress, or once
   * `exited` settles (a thread that ended holds no call). Never rejects.
   */
  async abandon(exited?: Promise<unknown>): Promise<void> {
    Atomics.store(this.slots, ABANDONED, 1);
    let gone = false;
    const ended = exited?.then(
      () => void (gone = true),
      () => void (gone = true),
    );
    for (;;) {
      const depth = Atomics.load(this.slots, DEPTH);
      if (depth === 0 || gone) return;
      const wait = waitAsync(this.slots, DEPTH, depth, RECHECK_MS);
      if (wait.async) await (ended ? Promise.race([wait.value, ended]) : wait.value);
    }
  }

  /** Koffi calls in progress on the thread now (for tests and diagnostics). */
  get callsInProgress(): number {
    return Atomics.load(this.slots, DEPTH);
  }
}

/** abandon(), then terminate(): the only way a thread that may be inside koffi is ended. */
export async function terminateOutsideNative(worker: Worker, guard: NativeCallGuard, exited?: Promise<unknown>): Promise<void> {
  await guard.abandon(exited);
  await worker.terminate();
}

// This thread's slots: a private pair (nobody can abandon it) until a controller's buffer is
// installed. Read at every call, so functions declared before the install are guarded too.
let slots: Int32Array<ArrayBufferLike> = new Int32Array(SLOTS);

/** Worker side: puts this thread under the controller's guard (call before any koffi call). */
export function installNativeCallGuard(buffer: SharedArrayBuffer): void {
  slots = new Int32Array(buffer);
}

function leave(s: Int32Array<ArrayBufferLike>): void {
  // Wake abandon() only when it may be waiting: the last call out, and the thread abandoned.
  if (Atomics.sub(s, DEPTH, 1) === 1 && Atomics.load(s, ABANDONED) !== 0) Atomics.notify(s, DEPTH);
}

function abandonedError(name: string): AppErrorException {
  return new AppErrorException(
    appError('NATIVE_CALL_ABANDONED', `${name} was not called: this thread missed its stop deadline and is being terminated`),
  );
}

/** `call` counted while it runs, and refused (thrown at) once this thread has been abandoned. */
export function guardNativeCall<F extends (...args: never[]) => unknown>(call: F, name: string): F {
  const guarded = (...args: Parameters<F>): ReturnType<F> => {
    const s = slots;
    if (Atomics.add(s, DEPTH, 1) === 0 && Atomics.load(s, ABANDONED) !== 0) {
      leave(s);
      throw abandonedError(name);
    }
    try {
      return call(...args) as ReturnType<F>;
    } finally {
      leave(s);
    }
  };
  return guarded as unknown as F;
}

type KoffiFunction = ReturnType<IKoffiLib['func']>;

function guardKoffiFunction(fn: KoffiFunction): KoffiFunction {
  const name = fn.info?.name ?? 'a native function';
  return Object.assign(guardNativeCall(fn as (...args: never[]) => unknown, name), {
    info: fn.info,
    // koffi's async calls finish on this thread later, out of the guard's sight: not offered.
    async: () => {
      throw new Error(`${name}: koffi async calls are not available under the native call guard`);
    },
  }) as KoffiFunction;
}

/** The library with every function it declares (`func` and its older aliases) guarded. */
export function guardLibrary(lib: IKoffiLib): IKoffiLib {
  type Declare = (...args: unknown[]) => KoffiFunction;
  const wrap =
    (declare: Declare): Declare =>
    (...args) =>
      guardKoffiFunction(declare(...args));
  const raw = lib as unknown as Record<'func' | 'cdecl' | 'stdcall' | 'fastcall' | 'thiscall', Declare>;
  return {
    func: wrap(raw.func),
    cdecl: wrap(raw.cdecl),
    stdcall: wrap(raw.stdcall),
    fastcall: wrap(raw.fastcall),
    thiscall: wrap(raw.thiscall),
    symbol: (name, type) => lib.symbol(name, type),
    unload: () => lib.unload(),
  } as IKoffiLib;
}
