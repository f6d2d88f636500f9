import { appError, toAppError, type AppError } from '../../../shared/errors';
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../audio-format';

/**
 * Sample-rate conversion between fixed rates (44.1k -> 48k for Opus and AES67, a secondary
 * device at another rate) through libsamplerate (WebAssembly).
 *
 * libsamplerate-js cannot steer its ratio while streaming: its `full()` uses the ratio fixed at
 * init, and changing a rate destroys and re-creates the converter (its history is lost, a
 * click). The steerable converter is therefore our own: adaptive-resampler.ts.
 */
export interface Resampler {
  readonly channels: number;
  readonly inputRate: number;
  readonly outputRate: number;
  /**
   * Output frames the converter holds back: after N input frames it has produced about
   * N * outputRate / inputRate - latencyFrames. The output is time-aligned with the input
   * (output frame 0 is input time 0); it just arrives this much later.
   */
  readonly latencyFrames: number;
  /** Converts one interleaved block; returns the frames that are ready (a new array). */
  process(input: Float32Array): Float32Array;
  /** Forget history: after a gap or a device change. */
  reset(): void;
  /** Releases the converter (WebAssembly memory). */
  close(): void;
}

export type ResamplerQuality = 'best' | 'medium' | 'fastest';

export type ResamplerResult = { ok: true; resampler: Resampler } | { ok: false; error: AppError };

/** The shape of the library object we use (its typings declare no default export). */
interface SrcConverter {
  full(dataIn: Float32Array): Float32Array;
  destroy(): void;
  outputSampleRate: number;
}
interface LibSampleRate {
  create(channels: number, inRate: number, outRate: number, options: { converterType: 0 | 1 | 2 }): Promise<SrcConverter>;
  ConverterType: { SRC_SINC_BEST_QUALITY: 0; SRC_SINC_MEDIUM_QUALITY: 1; SRC_SINC_FASTEST: 2 };
}

/**
 * Loaded on first use: its WebAssembly costs ~13 MB in every thread that loads it, and most
 * threads (an MP3 encoder at the input's rate) never resample.
 * The package is CommonJS: under Node's ESM loader its API sits on `default`.
 */
async function library(): Promise<LibSampleRate> {
  const ns = (await import('@alexanderolsen/libsamplerate-js')) as unknown as LibSampleRate & { default?: LibSampleRate };
  return typeof ns.create === 'function' ? ns : (ns.default as LibSampleRate);
}

const CONVERTER: Record<ResamplerQuality, 0 | 1 | 2> = { best: 0, medium: 1, fastest: 2 };
/** Input frames fed once at creation to learn how much output the converter holds back. */
const CALIBRATION_FRAMES = 8192;

function rateError(rate: number): AppError | undefined {
  return Number.isInteger(rate) && rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE
    ? undefined
    : appError('RESAMPLER_RATE', `Sample rate ${rate} Hz is not supported (${MIN_SAMPLE_RATE}..${MAX_SAMPLE_RATE} Hz).`);
}

export async function createResampler(
  channels: number,
  inputRate: number,
  outputRate: number,
  quality: ResamplerQuality = 'medium',
): Promise<ResamplerResult> {
  const bad = rateError(inputRate) ?? rateError(outputRate);
  if (bad) return { ok: false, error: bad };
  if (!Number.isInteger(channels) || channels < 1 || channels > 8) {
    return { ok: false, error: appError('RESAMPLER_CHANNELS', `${channels} channels cannot be resampled (1..8).`) };
  }
  if (inputRate === outputRate) return { ok: true, resampler: new PassThrough(channels, inputRate) };
  try {
    const src = await (await library()).create(channels, inputRate, outputRate, { converterType: CONVERTER[quality] });
    return { ok: true, resampler: new LibSampleRateResampler(src, channels, inputRate, outputRate) };
  } catch (thrown) {
    return { ok: false, error: toAppError(thrown, 'RESAMPLER_INIT', 'The sample-rate converter could not start.') };
  }
}

class LibSampleRateResampler implements Resampler {
  readonly latencyFrames: number;
  private readonly ratio: number;
  private closed = false;

  constructor(
    private readonly src: SrcConverter,
    readonly channels: number,
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    this.ratio = outputRate / inputRate;
    const produced = src.full(new Float32Array(CALIBRATION_FRAMES * channels)).length / channels;
    this.latencyFrames = Math.round(CALIBRATION_FRAMES * this.ratio - produced);
    this.reset();
  }

  process(input: Float32Array): Float32Array {
    if (this.closed || input.length === 0) return new Float32Array(0);
    return this.src.full(input);
  }

  reset(): void {
    // The library's only way to clear its state: assigning a rate re-creates the converter.
    if (!this.closed) this.src.outputSampleRate = this.outputRate;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.src.destroy();
  }
}

class PassThrough implements Resampler {
  readonly latencyFrames = 0;
  constructor(
    readonly channels: number,
    readonly inputRate: number,
  ) {}
  get outputRate(): number {
    return this.inputRate;
  }
  process(input: Float32Array): Float32Array {
    return input.slice();
  }
  reset(): void {}
  close(): void {}
}
