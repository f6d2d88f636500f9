/** Entry of a stream encoder thread; see record-worker.ts for why Opus runs as WebAssembly here. */
process.env.OPUS_FORCE_WASM = '1';
void import('./encode-worker-main');

export type { EncodeJob, EncodeWorkerCommand, EncodeWorkerEvent } from './encode-worker-main';
