/**
 * A sound card as an AudioSource: native/audio-input's capture, channel-mapped. While the
 * device is lost, paced silence keeps the pipeline (streams, recorder) running; the frame
 * index continues across the loss.
 */
import type { AudioBlock, AudioFormat } from '../audio-format';
import type { AppError } from '../../../shared/errors';
import { openCapture, type Capture, type CaptureEvent, type CaptureOptions } from '../../../../native/audio-input';
import { SourceListeners, type AudioSource, type SourceStatus, type SourceStopReport } from './audio-source';
import { inputChannelsNeeded, mapChannels, outputChannels, type ChannelMap } from './channel-map';
import { createSilenceSource } from './tone-source';
import type { GeneratorSource } from './generator-source';

export interface DeviceSourceOptions {
  deviceName?: string;
  sampleRate: number;
  channelMap: ChannelMap;
  /** Passed to the capture: helper environment, timing, block size. */
  capture?: Omit<CaptureOptions, 'deviceName' | 'sampleRate' | 'channels'>;
  /** Block size to open with (setDeliveryMs before start). */
  deliveryMs?: number;
}

const MIN_BUFFER_MS = 20;

function bufferChangeLine(event: Extract<CaptureEvent, { type: 'buffer-changed' }>, sampleRate: number): string {
  const ms = Math.round((event.bufferFrames * 1000) / sampleRate);
  const how = event.splice === 'aligned' ? 'joined at the same sample' : event.splice === 'silent' ? 'joined during silence' : 'no common sample found in time: the input jumped once';
  return `input buffer now ${ms} ms (${how})`;
}

export class DeviceSource implements AudioSource {
  readonly format: AudioFormat;
  private readonly listeners = new SourceListeners();
  private capture: Capture | null = null;
  private filler: GeneratorSource | null = null;
  private nextFrame = 0;
  private stopped = false;
  private deliveryFrames: number | undefined;
  private bufferFrames: number | undefined;

  constructor(private readonly options: DeviceSourceOptions) {
    this.format = { sampleRate: options.sampleRate, channels: outputChannels(options.channelMap) };
    if (options.deliveryMs !== undefined) this.setDeliveryMs(options.deliveryMs);
  }

  get description(): string {
    return `device "${this.capture?.device ?? this.options.deviceName ?? 'default'}"`;
  }

  async start(): Promise<AppError | null> {
    const inChannels = inputChannelsNeeded(this.options.channelMap);
    const opened = await openCapture({
      ...this.options.capture,
      ...(this.options.deviceName === undefined ? {} : { deviceName: this.options.deviceName }),
      ...(this.deliveryFrames === undefined ? {} : { deliveryFrames: this.deliveryFrames }),
      ...(this.bufferFrames === undefined ? {} : { blockFrames: this.bufferFrames }),
      sampleRate: this.options.sampleRate,
      channels: inChannels,
    });
    if ('error' in opened) return opened.error;
    const capture = opened.capture;
    this.capture = capture;
    if (capture.fallback) this.listeners.status({ type: 'warning', error: capture.fallback });
    capture.onBlock((samples) => {
      if (this.filler) return;
      this.deliver(mapChannels(samples, inChannels, this.options.channelMap));
    });
    capture.onEvent((event) => {
      switch (event.type) {
        case 'device-lost':
          this.listeners.status({ type: 'device-lost', error: event.error });
          this.startFiller();
          return;
        case 'device-restored':
          this.stopFiller();
          this.listeners.status({ type: 'device-restored', device: event.device, lostForMs: event.lostForMs });
          return;
        case 'fallback':
        case 'reopen-failed':
          this.listeners.status({ type: 'warning', error: event.error });
          return;
        case 'log':
          this.listeners.status({ type: 'log', line: event.line });
          return;
        case 'buffer-changed':
          this.listeners.status({ type: 'log', line: bufferChangeLine(event, this.options.sampleRate) });
          return;
        case 'stream-closed':
          this.listeners.status({ type: 'log', line: `lost stream closed: ${event.outcome} after ${Math.round(event.ms)} ms` });
          return;
      }
    });
    return null;
  }

  async stop(deadlineMs: number): Promise<SourceStopReport> {
    this.stopped = true;
    this.stopFiller();
    const capture = this.capture;
    this.capture = null;
    if (!capture) return { outcome: 'closed', ms: 0 };
    return capture.close(deadlineMs);
  }

  /**
   * PortAudio's buffer follows the block size, 20 ms at least: one buffer per block wakes
   * PortAudio's thread and the helper once per block (bench/engine-cpu.ts); a consumer that
   * needs small blocks gets 20 ms through a spliced handover (capture.ts). Blocks are never
   * smaller than the buffer: a smaller read only splits a buffer that arrived at once. A fixed
   * `capture.blockFrames` (tests) stays as it is.
   */
  setDeliveryMs(ms: number): void {
    const rate = this.options.sampleRate;
    const fixed = this.options.capture?.blockFrames;
    const bufferFrames = fixed ?? Math.round((rate * Math.max(MIN_BUFFER_MS, ms)) / 1000);
    this.bufferFrames = bufferFrames;
    this.deliveryFrames = Math.max(bufferFrames, Math.round((rate * ms) / 1000));
    this.capture?.setBuffer(bufferFrames, this.deliveryFrames);
  }

  onBlock(listener: (block: AudioBlock) => void): void {
    this.listeners.onBlock(listener);
  }

  onStatus(listener: (event: SourceStatus) => void): void {
    this.listeners.onStatus(listener);
  }

  /** The capture's pids, for the resource registry and tests. */
  helperPids(): number[] {
    return this.capture?.helperPids() ?? [];
  }

  private deliver(samples: Float32Array): void {
    if (this.stopped) return;
    const block: AudioBlock = { format: this.format, samples, frameIndex: this.nextFrame };
    this.nextFrame += samples.length / this.format.channels;
    this.listeners.block(block);
  }

  private startFiller(): void {
    if (this.filler || this.stopped) return;
    const filler = createSilenceSource({ format: this.format });
    filler.onBlock((block) => this.deliver(block.samples));
    this.filler = filler;
    void filler.start();
  }

  private stopFiller(): void {
    void this.filler?.stop();
    this.filler = null;
  }
}
