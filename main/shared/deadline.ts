export type DeadlineOutcome<T> =
  | { status: 'ok'; value: T; ms: number }
  | { status: 'failed'; error: unknown; ms: number }
  | { status: 'timed-out'; ms: number };

/**
 * Runs `work` but stops waiting after `ms`. The work itself is not cancelled (a promise
 * cannot be), so callers pass an AbortSignal into it when it can stop early.
 */
export async function withDeadline<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<DeadlineOutcome<T>> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  try {
    const result = await Promise.race([
      work(controller.signal).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      timeout,
    ]);
    const elapsed = performance.now() - started;
    if (result === 'timeout') {
      controller.abort();
      return { status: 'timed-out', ms: elapsed };
    }
    if ('error' in result) return { status: 'failed', error: result.error, ms: elapsed };
    return { status: 'ok', value: result.value, ms: elapsed };
  } finally {
    clearTimeout(timer);
  }
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
