/** A DSP stage: works in place on interleaved float blocks of one fixed format. */
export interface Processor {
  process(samples: Float32Array): void;
  /** Forget history (filter state, envelopes): after a gap or a format change. */
  reset(): void;
}
