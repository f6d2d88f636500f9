/**
 * A sound card as an AudioSource: native/audio-input's capture, channel-mapped. While the
 * device is lost, paced silence keeps the pipeline (streams, recorder) running; the frame
 * index continues across the loss.
 */
import type { AudioBlock, AudioFormat } from '../audio-format';
import type { AppError } from '../../../shared/errors';
import { openCapture, type Capture, type CaptureOptions } from '../../../../native/audio-input';
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
}

export class DeviceSource implements AudioSource {
  readonly format: AudioFormat;
  private readonly listeners = new SourceListeners();
  private capture: Capture | null = null;
  private filler: GeneratorSource | null = null;
  private nextFrame = 0;
  private stopped = false;
  private deliveryFrames: number | undefined;

  constructor(private readonly options: DeviceSourceOptions) {
    this.format = { sampleRate: options.sampleRate, channels: outputChannels(options.channelMap) };
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

  setDeliveryMs(ms: number): void {
    // Never below PortAudio's own buffer: a smaller read only splits a buffer that arrived at once.
    const bufferFrames = this.options.capture?.blockFrames ?? Math.round(this.options.sampleRate / 50);
    this.deliveryFrames = Math.max(bufferFrames, Math.round((this.options.sampleRate * ms) / 1000));
    this.capture?.setDeliveryFrames(this.deliveryFrames);
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
