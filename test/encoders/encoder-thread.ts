/**
 * Runs fixtures/encode-in-thread.ts in a worker thread (through tsx) and collects its result;
 * and stops the engine's own encoder and recording threads (WorkerLane) in the middle of an
 * encode, past their deadline, the way the engine does.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { WorkerLane } from '../../main/engine/audio/worker-lane';
import type { EncodeJob, EncodeWorkerEvent } from '../../main/engine/audio/encode-worker-main';
import type { RecordJob, RecordWorkerEvent } from '../../main/engine/recorder/record-worker-main';
import type { AppError } from '../../main/shared/errors';
import { sine } from './audio-check';

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

const LANE_ENTRY = { encode: join(__dirname, 'fixtures', 'encode-lane-worker.cjs'), record: join(__dirname, 'fixtures', 'record-lane-worker.cjs') };

export type LaneJob = { kind: 'encode'; job: EncodeJob } | { kind: 'record'; job: RecordJob };

export interface MidEncodeStop {
  how: 'joined' | 'terminated';
  /** The library the thread reported (its 'ready' / 'encoder-started' event). */
  implementation: string;
  /** Frames posted and not yet processed when the stop began: > 0 means mid-stream. */
  inFlightAtStop: number;
  /** Errors the thread reported (a refused koffi call may be reported before terminate() lands). */
  errors: AppError[];
  threadErrors: Error[];
}

/**
 * What a thread stopped mid-encode may say before terminate() lands: only that the guard
 * refused it a library call (the refusal unwinds its JavaScript, up to an uncaught error; the
 * recorder wraps it in its own error, the refusal in the detail). Returns anything else.
 */
export function onlyRefusals(stopped: MidEncodeStop): string[] {
  const said = [...stopped.errors.map((e) => `${e.code}: ${e.message} (${e.detail ?? ''})`), ...stopped.threadErrors.map((e) => e.message)];
  return said.filter((text) => !/\bNATIVE_CALL_ABANDONED\b/.test(text));
}

/**
 * Starts the engine's encode or record thread on a WorkerLane, queues `seconds` of the tone (far
 * more than it encodes in the time given), waits until it has encoded some of it, lets it run
 * `delayMs` more, then stops it with a deadline of `deadlineMs`: the stop misses its deadline
 * in the middle of an encode, and the lane ends the thread through its native call guard, as
 * the engine's stop does.
 */
export async function stopLaneMidEncode(lane: LaneJob, seconds: number, delayMs: number, deadlineMs = 20): Promise<MidEncodeStop> {
  const { sampleRate, channels } = lane.job.format;
  const errors: AppError[] = [];
  const threadErrors: Error[] = [];
  let implementation = '';
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const onEvent = (event: EncodeWorkerEvent | RecordWorkerEvent): void => {
    if (event.type === 'ready' || event.type === 'encoder-started') {
      implementation = event.implementation;
      onStarted();
    } else if (event.type === 'failed' || event.type === 'start-failed') {
      errors.push(event.error);
      onStarted();
    }
  };
  const worker = new WorkerLane<never, EncodeWorkerEvent | RecordWorkerEvent>(LANE_ENTRY[lane.kind], lane.job, (seconds + 1) * sampleRate, onEvent, (e) => threadErrors.push(e));
  const second = sine(1, sampleRate, channels);
  for (let i = 0; i < seconds; i++) if (!worker.postAudio(second, sampleRate)) throw new Error('the lane dropped a block: its bound is too small for this test');
  const timer = setTimeout(onStarted, 30_000);
  await started;
  // Encoding: wait (bounded) until the thread has acknowledged some audio.
  for (let i = 0; i < 600 && worker.snapshot().inFlightFrames === seconds * sampleRate; i++) await new Promise((r) => setTimeout(r, 5));
  clearTimeout(timer);
  await new Promise((r) => setTimeout(r, delayMs));
  const inFlightAtStop = worker.snapshot().inFlightFrames;
  const how = await worker.stop(AbortSignal.timeout(deadlineMs)); // resolves once the thread has exited
  return { how, implementation, inFlightAtStop, errors, threadErrors };
}
