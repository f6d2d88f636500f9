/**
 * Entry of the recording thread. @evan/opus's native addon crashes the whole process
 * (SIGSEGV) when a worker thread that loaded it exits; its WebAssembly build is safe in
 * threads, so choose it before anything loads the library. A worker's process.env is its
 * own copy: the engine's main thread is unaffected.
 */
process.env.OPUS_FORCE_WASM = '1';
void import('./record-worker-main');

export type { RecordJob, RecordWorkerCommand, RecordWorkerEvent } from './record-worker-main';
