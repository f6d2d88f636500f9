/**
 * The audio engine end to end, in the real engine process: input (tone, or a real
 * PulseAudio device through naudiodon), record-path DSP, the recording thread, meters, and
 * a shutdown in the middle of a recording. Files are decoded with ffmpeg.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { EngineSupervisor } from '../../main/engine-host/engine-supervisor';
import { forkEngine } from '../../main/engine-host/engine-process';
import type { EngineEventData } from '../../main/protocol/engine-protocol';
import { AudioSettingsSchema, type AudioSettings } from '../../main/settings/audio-settings-schema';
import { ROOT, tempDataDir } from '../helpers/airtight-process';
import { decode, ffprobe, measureTone } from '../encoders/audio-check';
import { pulseRigUnavailable, startPulseRig, type PulseRig } from '../helpers/pulse-rig';

const ENTRY = join(ROOT, 'out', 'main', 'engine.js');
let engine: EngineSupervisor | undefined;
let rig: PulseRig | undefined;
afterEach(async () => {
  engine?.kill('SIGKILL');
  await engine?.waitForExit(3000);
  engine = undefined;
  await rig?.stop();
  rig = undefined;
});

async function startEngine(env: NodeJS.ProcessEnv = {}): Promise<{ e: EngineSupervisor; meters: EngineEventData<'audio.meters'>[]; log: EngineEventData<'engine.log'>[] }> {
  const e = new EngineSupervisor({ launcher: forkEngine, entry: ENTRY, env: { ...process.env, ...env } });
  engine = e;
  const meters: EngineEventData<'audio.meters'>[] = [];
  const log: EngineEventData<'engine.log'>[] = [];
  e.onEvent((event, data) => {
    if (event === 'audio.meters') meters.push(data as EngineEventData<'audio.meters'>);
    if (event === 'engine.log') log.push(data as EngineEventData<'engine.log'>);
  });
  await e.start();
  return { e, meters, log };
}

function settings(folder: string, overrides: { input?: object; record?: object } = {}): AudioSettings {
  return AudioSettingsSchema.parse({
    input: { source: 'tone', sampleRate: 44100, toneLevelDbfs: -18, ...overrides.input },
    record: { folder, fileName: 'take_%i', ...overrides.record },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('engine audio', () => {
  it('records the test tone to WAV: bit depth, frequency, level and length are right; meters run at 20 Hz', async () => {
    const folder = tempDataDir('airtight-rec-');
    const { e, meters } = await startEngine();
    const configured = await e.request('audio.configure', settings(folder, { record: { codec: 'wav', wav: { sampleFormat: 'int24' } } }));
    expect(configured).toMatchObject({ source: 'tone 997 Hz -18 dBFS', format: { sampleRate: 44100, channels: 2 }, warnings: [] });
    const { path } = await e.request('recorder.start', {});
    expect(path).toBe(join(folder, 'take_1.wav'));
    const metersBefore = meters.length;
    await sleep(2000);
    const summary = await e.request('recorder.stop', {});
    expect(summary.parts).toHaveLength(1);
    expect(summary.droppedFrames).toBe(0);
    const probe = ffprobe(path);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'pcm_s24le', sample_rate: '44100', channels: 2 });
    const audio = decode(path, 44100);
    expect(audio.length / 2).toBe(summary.frames);
    expect(summary.frames).toBeGreaterThan(44100 * 1.5);
    const tone = measureTone(audio, 44100);
    for (const c of [0, 1]) {
      expect(tone.hz[c]).toBeCloseTo(997, 0);
      expect(tone.rmsDb[c]).toBeCloseTo(-18 - 3.01, 1);
    }
    // ~40 snapshots in 2 s at 20 Hz; the tone reads -21 dB RMS, -18 dB peak.
    const during = meters.slice(metersBefore);
    expect(during.length).toBeGreaterThanOrEqual(30);
    const last = during.at(-1)!.input.channels[0]!;
    expect(last.rmsDb).toBeCloseTo(-21.0, 0);
    expect(last.peakDb).toBeCloseTo(-18, 0);
  });

  it('records MP3 in gapless parts when a split is scheduled, and splits on request', async () => {
    const folder = tempDataDir('airtight-rec-');
    const { e, log } = await startEngine();
    await e.request('audio.configure', settings(folder, { record: { codec: 'mp3', splitMinutes: 1 / 60 } }));
    await e.request('recorder.start', {});
    await sleep(2600);
    await e.request('recorder.split', {});
    await sleep(600);
    const summary = await e.request('recorder.stop', {});
    expect(summary.parts.length).toBeGreaterThanOrEqual(3);
    // Parts follow the audio clock: every scheduled part holds exactly one second.
    expect(summary.parts[0]!.frames).toBe(44100);
    expect(summary.parts.reduce((sum, p) => sum + p.frames, 0)).toBe(summary.frames);
    for (const part of summary.parts.slice(0, 2)) {
      expect(part.path).toMatch(/take_\d+\.mp3$/);
      const tone = measureTone(decode(part.path, 44100), 44100);
      expect(tone.hz[0]).toBeCloseTo(997, 0);
    }
    // One line per recording (not per part) says which library encodes: the machine's LAME.
    expect(log.filter((l) => l.message.startsWith('Recording encoder'))).toEqual([
      { level: 'info', message: expect.stringMatching(/^Recording encoder MP3 192 kbps: libmp3lame\.so\.0 \(LAME 3\.\d+, system library\)$/) },
    ]);
  });

  it('a shutdown in the middle of a recording finalizes the file first and reports it', async () => {
    const folder = tempDataDir('airtight-rec-');
    const { e } = await startEngine();
    await e.request('audio.configure', settings(folder, { record: { codec: 'flac' } }));
    const { path } = await e.request('recorder.start', {});
    await sleep(1500);
    const report = await e.request('engine.shutdown', { reason: 'test', profile: 'normal', deadlineMs: 3000 });
    expect(report.clean).toBe(true);
    const stages = report.resources.map((r) => `${r.stage}:${r.outcome}`);
    expect(stages).toEqual(expect.arrayContaining(['audio-input:closed', 'recorder:closed', 'timers:closed']));
    expect(stages.indexOf('audio-input:closed')).toBeLessThan(stages.indexOf('recorder:closed'));
    expect(await e.waitForExit(3000)).toBe(true);
    // STREAMINFO was patched at the end: flac -t checks the MD5 over every sample.
    const probe = ffprobe(path);
    expect(Number(probe.streams[0]!.duration_ts)).toBeGreaterThan(44100);
    const tone = measureTone(decode(path, 44100), 44100);
    expect(tone.hz[1]).toBeCloseTo(997, 0);
  });

  it('captures a real PulseAudio device through naudiodon and records what it hears', async (ctx) => {
    const missing = pulseRigUnavailable();
    if (missing) return ctx.skip(missing);
    rig = await startPulseRig({ sampleRate: 48000, tone: { frequency: 997, peakDbfs: -12 } });
    const folder = tempDataDir('airtight-rec-');
    const { e } = await startEngine(rig.env);
    const configured = await e.request('audio.configure', settings(folder, { input: { source: 'device', sampleRate: 48000 }, record: { codec: 'wav' } }));
    expect(configured.warnings).toEqual([]);
    expect(configured.source).toMatch(/device/);
    await sleep(2500); // the rig's data starts 1-2 s after the open
    const { path } = await e.request('recorder.start', {});
    await sleep(2000);
    const summary = await e.request('recorder.stop', {});
    expect(summary.frames).toBeGreaterThan(48000 * 1.5);
    const tone = measureTone(decode(path, 48000), 48000);
    expect(tone.hz[0]).toBeCloseTo(997, 0);
    expect(tone.rmsDb[0]).toBeCloseTo(-12 - 3.01, 0);
  });
});
