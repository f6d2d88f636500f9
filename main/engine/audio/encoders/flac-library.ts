/**
 * Loads libflacjs (libFLAC in WebAssembly) once per process. Its Emscripten loader prefers
 * `fetch()` when one exists, which on Node >= 18 fails for a file path: the global `fetch` is
 * hidden while the module loads so it reads the .wasm with `fs` instead.
 */
import type libFactoryType from 'libflacjs';

export type FlacLibrary = ReturnType<typeof libFactoryType>;

let loading: Promise<FlacLibrary> | undefined;

export function loadFlac(timeoutMs = 10_000): Promise<FlacLibrary> {
  // Imported on first use: threads that encode no FLAC do not pay for it.
  loading ??= import('libflacjs').then((mod) => instantiate(mod.default, timeoutMs));
  const attempt = loading;
  // A failed load may be retried by the next encoder.
  attempt.catch(() => {
    if (loading === attempt) loading = undefined;
  });
  return attempt;
}

function instantiate(libFactory: typeof libFactoryType, timeoutMs: number): Promise<FlacLibrary> {
  return new Promise<FlacLibrary>((resolve, reject) => {
    const g = globalThis as { fetch?: unknown };
    const savedFetch = g.fetch;
    const hadFetch = 'fetch' in g;
    delete g.fetch;
    const restore = (): void => {
      if (hadFetch) g.fetch = savedFetch;
    };
    let flac: FlacLibrary;
    try {
      flac = libFactory('wasm');
    } catch (error) {
      restore();
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (flac.isReady()) {
      restore();
      resolve(flac);
      return;
    }
    const timer = setTimeout(() => {
      restore();
      reject(new Error(`libflacjs did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    flac.on('ready', () => {
      clearTimeout(timer);
      restore();
      resolve(flac);
    });
  });
}
