/**
 * The engine's audio: one input source, meters and signal detection on what it delivers,
 * and the record path (DSP, then a recording thread). Runs on the engine's main thread but
 * does only light per-block work there; encoding and file I/O live in worker threads.
 * Everything it opens is registered, so a shutdown closes input first and finalizes the
 * recording before the workers are joined.
 */
import { join } from 'node:path';
import type { AppError } from '../../shared/errors';
import { appError } from '../../shared/errors';
import type { AudioSettings } from '../../settings/audio-settings-schema';
import type { ResourceHandle, ResourceRegistry } from '../resource-registry';
import type { AudioBlock, AudioFormat } from './audio-format';
import { frameCount } from './audio-format';
import { PathChain } from './dsp/path-chain';
import { Meters, type MeterSnapshot } from './dsp/meters';
import { SignalDetector, type SignalState } from './dsp/signal-detector';
import { startInputSource, type AudioSource, type SourceStatus } from './sources';
import { WorkerLane } from './worker-lane';
import type { RecordJob, RecordWorkerCommand, RecordWorkerEvent } from '../recorder/record-worker';
import type { RecordingSummary } from '../recorder/recorder';
import type { EncodeJob, EncodeWorkerCommand, EncodeWorkerEvent } from './encode-worker';
import type { EncodedChunk } from './encoder';
import type { EncoderSettings } from './encoders/encoder-settings';
import { describeEncoderSettings, encoderStartLines } from './encoders/describe-encoder';

/**
 * Meters reach the host at 20 Hz or more (often enough for a VU, no per-sample IPC): sent
 * with the audio blocks, at most one per METER_MIN_GAP_MS, so they cost no wake-up of their own.
 */
const METER_MIN_GAP_MS = 30;
/** Published by a timer only when no block brought them this long (a stalled device). */
const METER_STALL_MS = 250;
/**
 * Audio per block: the largest that keeps the meters, sent with the blocks, at 20 Hz or more
 * (48 ms: 20.8 Hz). Every block wakes the sound server's client, PortAudio's thread, the capture
 * helper and this thread once, so fewer blocks cost less: 48 ms against 40 ms measured 0.35 % of
 * a core less (5.10 % against 5.45 %, medians of three) in bench/engine-cpu.ts.
 * While a low-latency consumer (the AES67 sender, 40 ms ahead by default) is tapped: 10 ms, as
 * small as a source allows (a sound card: a 20 ms PortAudio buffer; the tone: 10 ms ticks).
 */
const DELIVERY_MS = 48;
const LOW_LATENCY_DELIVERY_MS = 10;
/** Audio allowed in flight to the recording thread before blocks are dropped and counted. */
const RECORD_QUEUE_SECONDS = 10;
/** A stream encoder that falls this far behind drops audio (counted) rather than stall capture. */
const STREAM_ENCODER_QUEUE_SECONDS = 2;
/** Audio is handed to the threads in 100 ms batches: a post per 20 ms block costs more CPU than the copy. */
const LANE_BATCH_SECONDS = 0.1;
const SOURCE_STOP_MS = 1500;

export interface AudioEvents {
  meters(snapshot: { input: MeterSnapshot }): void;
  source(status: { state: 'running' | 'device-lost' | 'device-restored' | 'stopped'; description: string; error?: AppError }): void;
  signal(state: { state: SignalState }): void;
  recorder(event: RecorderStatusEvent): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, error?: AppError): void;
}

export type RecorderStatusEvent =
  | { state: 'recording'; path: string }
  | { state: 'split'; path: string }
  | { state: 'progress'; path: string; seconds: number; bytes: number; droppedFrames: number }
  | { state: 'warning'; error: AppError }
  | { state: 'failed'; error: AppError }
  | { state: 'stopped'; summary: RecordingSummary };

export interface RecordingStatus {
  recording: boolean;
  path?: string;
  framesPosted: number;
  droppedFrames: number;
}

/** One encoder thread, shared by every consumer that asked for the same settings. */
interface StreamEncoder {
  key: string;
  lane: WorkerLane<EncodeWorkerCommand, EncodeWorkerEvent>;
  handle: ResourceHandle;
  consumers: Set<(chunks: EncodedChunk[]) => void>;
  /** The MIME type once the encoder runs, or why it could not start. */
  ready: Promise<string | AppError>;
}

export interface StreamEncoderSubscription {
  readonly mimeType: Promise<string | AppError>;
  stats(): { postedFrames: number; droppedFrames: number };
  close(): Promise<void>;
}

interface Recording {
  lane: WorkerLane<RecordWorkerCommand, RecordWorkerEvent>;
  handle: ResourceHandle;
  path?: string;
  stopped: Promise<RecordingSummary | undefined>;
}

export class AudioService {
  private settings: AudioSettings | undefined;
  private source: AudioSource | undefined;
  private sourceHandle: ResourceHandle | undefined;
  private meters: Meters | undefined;
  private detector: SignalDetector | undefined;
  private recordChain: PathChain | undefined;
  private recording: Recording | undefined;
  private meterTimer: NodeJS.Timeout | undefined;
  private meterHandle: ResourceHandle | undefined;
  private scratch = new Float32Array(0);
  private streamChain: PathChain | undefined;
  private readonly streamEncoders = new Map<string, StreamEncoder>();
  /** Raw consumers of the stream path (the AES67 sender), post- or pre-DSP. */
  private readonly preDspTaps = new Set<(samples: Float32Array) => void>();
  private readonly postDspTaps = new Set<(samples: Float32Array) => void>();
  private readonly lowLatencyTaps = new Set<(samples: Float32Array) => void>();
  private lastMeterAt = 0;

  constructor(
    private readonly registry: ResourceRegistry,
    private readonly events: AudioEvents,
    private readonly workerDir: string,
  ) {}

  get format(): AudioFormat | undefined {
    return this.source?.format;
  }

  get sourceDescription(): string | undefined {
    return this.source?.description;
  }

  /** Applies settings; restarts the input only when its own settings changed. */
  async configure(settings: AudioSettings): Promise<{ source: string; format: AudioFormat; warnings: AppError[] }> {
    const inputChanged = JSON.stringify(settings.input) !== JSON.stringify(this.settings?.input);
    this.settings = settings;
    const warnings: AppError[] = [];
    if (inputChanged || !this.source) {
      if (this.recording) {
        throw appError('AUDIO_BUSY', 'Stop the recording before changing the audio input.');
      }
      await this.stopSource();
      const started = await startInputSource(settings.input, { deliveryMs: this.deliveryMs() });
      warnings.push(...started.warnings);
      this.attachSource(started.source);
    }
    const format = this.source!.format;
    if (this.recordChain) this.recordChain.configure(settings.dsp.record, settings.dsp.masterGainDb);
    else this.recordChain = new PathChain(format, settings.dsp.record, settings.dsp.masterGainDb);
    if (this.streamChain) this.streamChain.configure(settings.dsp.stream, settings.dsp.masterGainDb);
    else this.streamChain = new PathChain(format, settings.dsp.stream, settings.dsp.masterGainDb);
    for (const warning of warnings) this.events.log('warn', warning.message, warning);
    return { source: this.source!.description, format, warnings };
  }

  async startRecording(): Promise<{ path: string }> {
    if (!this.source || !this.settings) throw appError('AUDIO_NOT_CONFIGURED', 'The audio input is not configured yet.');
    if (this.recording) throw appError('RECORDER_BUSY', `Already recording to ${this.recording.path ?? 'a file'}.`);
    const job: RecordJob = { format: this.source.format, settings: this.settings.record };
    let resolveStart!: (result: { path: string } | AppError) => void;
    const startResult = new Promise<{ path: string } | AppError>((resolve) => (resolveStart = resolve));
    let resolveStopped!: (summary: RecordingSummary | undefined) => void;
    const stopped = new Promise<RecordingSummary | undefined>((resolve) => (resolveStopped = resolve));
    const maxFrames = this.source.format.sampleRate * RECORD_QUEUE_SECONDS;
    const lane = new WorkerLane<RecordWorkerCommand, RecordWorkerEvent>(
      join(this.workerDir, 'record-worker.js'),
      job,
      maxFrames,
      (event) => this.onRecorderEvent(event, resolveStart, resolveStopped),
      (error) => {
        const failure = appError('RECORDER_THREAD_FAILED', 'The recording thread failed', error.message);
        resolveStart(failure);
        this.events.recorder({ state: 'failed', error: failure });
      },
      Math.round(this.source.format.sampleRate * LANE_BATCH_SECONDS),
    );
    const handle = this.registry.register({ kind: 'file', stage: 'recorder', label: 'recording' }, async (signal) => {
      const how = await lane.stop(signal);
      if (how === 'terminated') throw new Error('the recording thread had to be terminated');
    });
    const recording: Recording = { lane, handle, stopped };
    this.recording = recording;
    const result = await startResult;
    if ('code' in result) {
      await lane.stop(AbortSignal.timeout(2000));
      handle.release();
      this.recording = undefined;
      throw result;
    }
    recording.path = result.path;
    return result;
  }

  /**
   * Encodes the stream path with `settings` and hands whole units to `onChunks` on this
   * thread. Consumers with equal settings share one encoder thread (BUTT users run one BUTT
   * per server for this).
   */
  openStreamEncoder(settings: EncoderSettings, onChunks: (chunks: EncodedChunk[]) => void): StreamEncoderSubscription {
    if (!this.source) throw appError('AUDIO_NOT_CONFIGURED', 'The audio input is not configured yet.');
    const key = JSON.stringify(settings);
    let encoder = this.streamEncoders.get(key);
    if (!encoder) encoder = this.startStreamEncoder(key, settings, this.source.format);
    encoder.consumers.add(onChunks);
    const shared = encoder;
    return {
      mimeType: shared.ready,
      stats: () => {
        const { postedFrames, droppedFrames } = shared.lane.snapshot();
        return { postedFrames, droppedFrames };
      },
      close: async () => {
        shared.consumers.delete(onChunks);
        if (shared.consumers.size > 0) return;
        this.streamEncoders.delete(shared.key);
        await shared.lane.stop(AbortSignal.timeout(2000));
        shared.handle.release();
      },
    };
  }

  private startStreamEncoder(key: string, settings: EncoderSettings, format: AudioFormat): StreamEncoder {
    const job: EncodeJob = { format, settings };
    let settle!: (result: string | AppError) => void;
    const ready = new Promise<string | AppError>((resolve) => (settle = resolve));
    const fail = (error: AppError): void => {
      settle(error);
      this.events.log('error', error.message, error);
    };
    const consumers = new Set<(chunks: EncodedChunk[]) => void>();
    const lane = new WorkerLane<EncodeWorkerCommand, EncodeWorkerEvent>(
      join(this.workerDir, 'encode-worker.js'),
      job,
      format.sampleRate * STREAM_ENCODER_QUEUE_SECONDS,
      (event) => {
        if (event.type === 'ready') {
          for (const line of encoderStartLines('Stream', describeEncoderSettings(settings), event)) this.events.log(line.level, line.message, line.error);
          settle(event.mimeType);
        }
        else if (event.type === 'chunks') for (const consumer of consumers) consumer(event.chunks);
        else fail(event.error);
      },
      (error) => fail(appError('ENCODER_THREAD_FAILED', `The ${settings.codec} stream encoder thread failed`, error.message)),
      Math.round(format.sampleRate * LANE_BATCH_SECONDS),
    );
    const encoder: StreamEncoder = { key, lane, consumers, ready, handle: undefined as unknown as ResourceHandle };
    encoder.handle = this.registry.register(
      { kind: 'worker-thread', stage: 'workers', label: `${settings.codec} stream encoder` },
      async (signal) => {
        if ((await encoder.lane.stop(signal)) === 'terminated') throw new Error('the encoder thread had to be terminated');
      },
    );
    this.streamEncoders.set(key, encoder);
    return encoder;
  }

  /**
   * Hands every block of the stream path (after its DSP, or before it) to `consumer`, which
   * must copy what it keeps. `lowLatency`: the input delivers small blocks while it is tapped.
   * Returns the function that removes the tap.
   */
  tapStream(consumer: (samples: Float32Array) => void, options: { preDsp?: boolean; lowLatency?: boolean } = {}): () => void {
    const taps = options.preDsp ? this.preDspTaps : this.postDspTaps;
    taps.add(consumer);
    if (options.lowLatency) {
      this.lowLatencyTaps.add(consumer);
      this.applyDelivery();
    }
    return () => {
      taps.delete(consumer);
      if (this.lowLatencyTaps.delete(consumer)) this.applyDelivery();
    };
  }

  private deliveryMs(): number {
    return this.lowLatencyTaps.size > 0 ? LOW_LATENCY_DELIVERY_MS : DELIVERY_MS;
  }

  private applyDelivery(): void {
    this.source?.setDeliveryMs?.(this.deliveryMs());
  }

  private publishMeters(): void {
    if (!this.meters) return;
    this.lastMeterAt = performance.now();
    this.events.meters({ input: this.meters.snapshot() });
  }

  /** In-band title for every stream encoder that can carry one (Ogg Vorbis and Opus). */
  setStreamTitle(title: string): void {
    for (const encoder of this.streamEncoders.values()) encoder.lane.command({ type: 'setTitle', title });
  }

  splitRecording(): void {
    if (!this.recording) throw appError('RECORDER_IDLE', 'Not recording.');
    this.recording.lane.command({ type: 'split' });
  }

  async stopRecording(): Promise<RecordingSummary> {
    const recording = this.recording;
    if (!recording) throw appError('RECORDER_IDLE', 'Not recording.');
    this.recording = undefined;
    await recording.lane.stop(AbortSignal.timeout(10_000));
    recording.handle.release();
    const summary = await recording.stopped;
    if (!summary) throw appError('RECORDER_NO_SUMMARY', 'The recording thread ended without a summary; the file may be incomplete.');
    return summary;
  }

  recordingStatus(): RecordingStatus {
    const stats = this.recording?.lane.snapshot();
    return {
      recording: this.recording !== undefined,
      ...(this.recording?.path ? { path: this.recording.path } : {}),
      framesPosted: stats?.postedFrames ?? 0,
      droppedFrames: stats?.droppedFrames ?? 0,
    };
  }

  private onRecorderEvent(
    event: RecordWorkerEvent,
    resolveStart: (result: { path: string } | AppError) => void,
    resolveStopped: (summary: RecordingSummary | undefined) => void,
  ): void {
    switch (event.type) {
      case 'part-opened':
        resolveStart({ path: event.path });
        if (event.part === 1) this.events.recorder({ state: 'recording', path: event.path });
        else this.events.recorder({ state: 'split', path: event.path });
        if (this.recording) this.recording.path = event.path;
        return;
      case 'encoder-started':
        for (const line of encoderStartLines('Recording', event.description, event)) this.events.log(line.level, line.message, line.error);
        return;
      case 'start-failed':
        resolveStart(event.error);
        resolveStopped(undefined);
        return;
      case 'progress':
        this.events.recorder({ state: 'progress', path: event.path, seconds: event.seconds, bytes: event.bytes, droppedFrames: event.droppedFrames });
        return;
      case 'overflow':
        this.events.recorder({ state: 'warning', error: event.warning });
        return;
      case 'failed':
        this.events.recorder({ state: 'failed', error: event.error });
        this.events.log('error', event.error.message, event.error);
        return;
      case 'stopped':
        resolveStopped(event.summary);
        this.events.recorder({ state: 'stopped', summary: event.summary });
        return;
      default:
        return;
    }
  }

  private attachSource(source: AudioSource): void {
    this.source = source;
    const { sampleRate, channels } = source.format;
    this.meters = new Meters(sampleRate, channels);
    this.detector = new SignalDetector(sampleRate, channels);
    source.onBlock((block) => this.onBlock(block));
    source.onStatus((status) => this.onSourceStatus(status, source.description));
    this.sourceHandle = this.registry.register(
      { kind: 'audio-device', stage: 'audio-input', label: `audio input: ${source.description}` },
      async () => {
        const report = await source.stop(SOURCE_STOP_MS);
        if (report.outcome === 'timed-out') throw new Error(`the device did not confirm its close within ${SOURCE_STOP_MS} ms; its helper was killed`);
      },
    );
    this.applyDelivery();
    this.meterTimer = setInterval(() => {
      if (performance.now() - this.lastMeterAt >= METER_STALL_MS) this.publishMeters();
    }, METER_STALL_MS);
    this.meterHandle = this.registry.register({ kind: 'timer', stage: 'timers', label: 'meter publisher' }, async () => {
      clearInterval(this.meterTimer);
    });
    this.events.source({ state: 'running', description: source.description });
  }

  private async stopSource(): Promise<void> {
    const source = this.source;
    if (!source) return;
    this.source = undefined;
    clearInterval(this.meterTimer);
    this.meterHandle?.release();
    const report = await source.stop(SOURCE_STOP_MS);
    this.sourceHandle?.release();
    this.events.source({ state: 'stopped', description: source.description, ...(report.outcome === 'timed-out' ? { error: appError('AUDIO_CLOSE_TIMEOUT', 'The audio device did not close in time; its helper was stopped.') } : {}) });
  }

  private onBlock(block: AudioBlock): void {
    this.meters?.process(block.samples);
    if (performance.now() - this.lastMeterAt >= METER_MIN_GAP_MS) this.publishMeters();
    for (const transition of this.detector?.process(block.samples) ?? []) this.events.signal({ state: transition.state });
    const recording = this.recording;
    if (recording && this.recordChain) recording.lane.postAudio(this.processPath(this.recordChain, block), frameCount(block));
    for (const tap of this.preDspTaps) tap(block.samples);
    if ((this.streamEncoders.size > 0 || this.postDspTaps.size > 0) && this.streamChain) {
      const processed = this.processPath(this.streamChain, block);
      for (const encoder of this.streamEncoders.values()) encoder.lane.postAudio(processed, frameCount(block));
      for (const tap of this.postDspTaps) tap(processed);
    }
  }

  /** Runs a path's DSP on a copy of the block (the lanes copy it again when posting). */
  private processPath(chain: PathChain, block: AudioBlock): Float32Array {
    if (this.scratch.length !== block.samples.length) this.scratch = new Float32Array(block.samples.length);
    this.scratch.set(block.samples);
    chain.process(this.scratch);
    return this.scratch;
  }

  private onSourceStatus(status: SourceStatus, description: string): void {
    switch (status.type) {
      case 'warning':
        this.events.log('warn', status.error.message, status.error);
        return;
      case 'device-lost':
        this.events.source({ state: 'device-lost', description, error: status.error });
        this.events.log('error', status.error.message, status.error);
        return;
      case 'device-restored':
        this.events.source({ state: 'device-restored', description });
        this.events.log('info', `Audio device "${status.device}" is back after ${Math.round(status.lostForMs)} ms.`);
        return;
      case 'log':
        this.events.log('debug', status.line);
        return;
    }
  }
}
