export type { AudioSource, SourceStatus, SourceStopReport } from './audio-source';
export { mapChannels, checkChannelMap, inputChannelsNeeded, outputChannels, STEREO_MAP, type ChannelMap } from './channel-map';
export { DeviceSource, type DeviceSourceOptions } from './device-source';
export { MixedSource, crossfadeGains, type MixedSourceOptions, type ResamplerFactory } from './mixed-source';
export { createToneSource, createSilenceSource, TEST_TONE_HZ, DEFAULT_TONE_DBFS } from './tone-source';
export { startInputSource, type InputSettings, type SourceDeps, type StartedSource } from './source-factory';
