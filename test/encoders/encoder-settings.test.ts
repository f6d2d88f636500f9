import { describe, it, expect } from 'vitest';
import {
  defaultRecordCodecs,
  defaultStreamCodecs,
  EncoderSettingsSchema,
} from '../../main/engine/audio/encoders/encoder-settings';
import { createEncoder } from '../../main/engine/audio/encoders/create-encoder';
import { vbrQualityForBitrate } from '../../main/engine/audio/encoders/mp3-encoder';
import { vorbisQualityForBitrate } from '../../main/engine/audio/encoders/vorbis-encoder';

describe('encoder settings', () => {
  it("defaults follow BUTT: stream MP3 128 kbps CBR, record MP3 192 kbps", () => {
    expect(defaultStreamCodecs().mp3).toEqual({ codec: 'mp3', mode: 'cbr', bitrateKbps: 128, vbrQuality: 4 });
    expect(defaultRecordCodecs().mp3.bitrateKbps).toBe(192);
    expect(defaultStreamCodecs().opus.bitrateKbps).toBeGreaterThan(0);
    expect(defaultRecordCodecs().flac).toEqual({ codec: 'flac', bitDepth: 16, compression: 5 });
  });

  it('rejects values outside each codec range', () => {
    expect(EncoderSettingsSchema.safeParse({ codec: 'mp3', bitrateKbps: 130 }).success).toBe(false);
    expect(EncoderSettingsSchema.safeParse({ codec: 'mp3', bitrateKbps: 8 }).success).toBe(true);
    expect(EncoderSettingsSchema.safeParse({ codec: 'mp3', bitrateKbps: 320 }).success).toBe(true);
    expect(EncoderSettingsSchema.safeParse({ codec: 'opus', complexity: 11 }).success).toBe(false);
    expect(EncoderSettingsSchema.safeParse({ codec: 'flac', bitDepth: 20 }).success).toBe(false);
    expect(EncoderSettingsSchema.safeParse({ codec: 'wav' }).success).toBe(false);
  });

  it('createEncoder answers bad settings and formats with AppErrors, not exceptions', async () => {
    const bad = await createEncoder({ codec: 'mp3', bitrateKbps: 999 }, { sampleRate: 44100, channels: 2 });
    expect(bad.ok === false && bad.error.code).toBe('ENCODER_SETTINGS_INVALID');
    const rate = await createEncoder({ codec: 'mp3' }, { sampleRate: 96000, channels: 2 });
    expect(rate.ok === false && rate.error.code).toBe('ENCODER_FORMAT_UNSUPPORTED');
    const chans = await createEncoder({ codec: 'vorbis' }, { sampleRate: 44100, channels: 6 });
    expect(chans.ok === false && chans.error.code).toBe('ENCODER_FORMAT_UNSUPPORTED');
  });

  it('maps target bitrates to quality where the library has no bitrate mode', () => {
    expect(vbrQualityForBitrate(320)).toBe(0);
    expect(vbrQualityForBitrate(165)).toBeCloseTo(4);
    expect(vbrQualityForBitrate(32)).toBe(9);
    expect(vorbisQualityForBitrate(128)).toBeCloseTo(4);
    expect(vorbisQualityForBitrate(176)).toBeCloseTo(5.5);
    expect(vorbisQualityForBitrate(20)).toBe(-1);
    expect(vorbisQualityForBitrate(500)).toBe(10);
  });
});
