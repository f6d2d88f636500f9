/**
 * Builds and starts the input the settings ask for. When no device can be opened (none at
 * all, or it fails), the engine still runs: it gets the test tone (or silence) plus an
 * AppError saying what is missing. BUTT quits here ("Could not find any audio device").
 */
import { appError, type AppError } from '../../../shared/errors';
import type { AudioSource } from './audio-source';
import type { ChannelMap } from './channel-map';
import { outputChannels } from './channel-map';
import { DeviceSource, type DeviceSourceOptions } from './device-source';
import { MixedSource, type ResamplerFactory } from './mixed-source';
import { createSilenceSource, createToneSource } from './tone-source';

export interface InputSettings {
  source: 'device' | 'tone' | 'silence';
  sampleRate: number;
  channelMap: ChannelMap;
  /** Remembered primary device name; missing = system default. */
  deviceName?: string;
  /** Optional second device, mixed in through the crossfader (its mono flag follows the primary's). */
  secondary?: { deviceName?: string; sampleRate: number; channelMap: ChannelMap } | null;
  crossfade?: number;
  toneLevelDbfs?: number;
  /** What runs when no device opens. */
  fallback?: 'tone' | 'silence';
}

export interface SourceDeps {
  capture?: DeviceSourceOptions['capture'];
  makeResampler?: ResamplerFactory;
  /** Block size to open devices with (their PortAudio buffer follows it). */
  deliveryMs?: number;
}

export interface StartedSource {
  source: AudioSource;
  /** Things the operator log must show (a device fallback, a missing device). */
  warnings: AppError[];
}

export async function startInputSource(settings: InputSettings, deps: SourceDeps = {}): Promise<StartedSource> {
  const format = { sampleRate: settings.sampleRate, channels: outputChannels(settings.channelMap) };
  const generator = (kind: 'tone' | 'silence'): AudioSource =>
    kind === 'tone' ? createToneSource({ format, ...(settings.toneLevelDbfs === undefined ? {} : { levelDbfs: settings.toneLevelDbfs }) }) : createSilenceSource({ format });

  if (settings.source !== 'device') {
    const source = generator(settings.source);
    await source.start();
    return { source, warnings: [] };
  }

  const shared = { ...(deps.capture ? { capture: deps.capture } : {}), ...(deps.deliveryMs === undefined ? {} : { deliveryMs: deps.deliveryMs }) };
  const primary = new DeviceSource({ ...deviceOptions(settings.deviceName, settings.sampleRate, settings.channelMap), ...shared });
  let source: AudioSource = primary;
  if (settings.secondary) {
    const secondary = new DeviceSource({
      ...deviceOptions(settings.secondary.deviceName, settings.secondary.sampleRate, { ...settings.secondary.channelMap, mono: settings.channelMap.mono }),
      ...shared,
    });
    source = new MixedSource({
      primary,
      secondary,
      ...(settings.crossfade === undefined ? {} : { crossfade: settings.crossfade }),
      ...(deps.makeResampler ? { makeResampler: deps.makeResampler } : {}),
    });
  }

  // Warnings raised while starting (a remembered device missing) reach the caller this way.
  const warnings: AppError[] = [];
  let starting = true;
  source.onStatus((event) => {
    if (starting && event.type === 'warning') warnings.push(event.error);
  });
  const error = await source.start();
  starting = false;
  if (!error) return { source, warnings };

  await source.stop(500);
  const kind = settings.fallback ?? 'tone';
  const stand = generator(kind);
  await stand.start();
  const what = kind === 'tone' ? 'the 997 Hz test tone' : 'silence';
  const missing =
    error.code === 'AUDIO_INPUT_NONE'
      ? appError('AUDIO_INPUT_MISSING', `Could not find any audio input device: Airtight is running on ${what} until one is available`, error.detail)
      : appError('AUDIO_INPUT_UNAVAILABLE', `The audio input could not be opened (${error.message}): Airtight is running on ${what}`, error.detail);
  return { source: stand, warnings: [...warnings, missing] };
}

function deviceOptions(deviceName: string | undefined, sampleRate: number, channelMap: ChannelMap): DeviceSourceOptions {
  return deviceName === undefined ? { sampleRate, channelMap } : { deviceName, sampleRate, channelMap };
}
