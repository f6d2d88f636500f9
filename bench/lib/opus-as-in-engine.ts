/**
 * Imported first by bench/encoders.ts: the engine's encoder threads run @evan/opus as
 * WebAssembly (its native addon crashes the process when a thread that loaded it exits, see
 * main/engine/recorder/record-worker.ts), so the benchmark measures that build, not the addon.
 * BENCH_OPUS_NATIVE=1 measures the addon instead.
 */
if (!process.env.BENCH_OPUS_NATIVE) process.env.OPUS_FORCE_WASM = '1';
export {};
