import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importButtrc, type ButtImport } from '../../main/settings/buttrc/butt-import';
import { exportButtrc } from '../../main/settings/buttrc/butt-export';
import { SettingsSchema } from '../../main/settings/settings-schema';
import { BUTT_FIXTURES } from '../helpers/shared-fixtures';
import { defaultAes67Settings } from '../../main/engine/aes67/aes67-settings';

const FIXTURES = BUTT_FIXTURES;
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const everyKey = (): Buffer => readFileSync(join(__dirname, 'fixtures', 'every-key.buttrc'));

function imported(input: Uint8Array | string): ButtImport {
  const result = importButtrc(input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** import -> export -> import; returns both imports and the exported text. */
function roundTrip(input: Uint8Array | string): { first: ButtImport; second: ButtImport; text: string } {
  const first = imported(input);
  const exported = exportButtrc(first.settings, (ref) => first.secrets.get(ref));
  if (!exported.ok) throw new Error(exported.error.message);
  return { first, second: imported(exported.text), text: exported.text };
}

describe('BUTT import: the fixtures', () => {
  it('icecast-example.buttrc: the server, its stream info and connect_at_startup', () => {
    const { settings, secrets, flags } = imported(fixture('icecast-example.buttrc'));
    expect(settings.stream.servers).toHaveLength(1);
    const rig = settings.stream.servers[0]!;
    expect(rig).toMatchObject({ name: 'rig', type: 'icecast', address: '127.0.0.1', port: 8000, mount: 'butt.mp3', user: 'source', protocol: 'put', tls: false });
    expect(rig.passwordRef).toBe('server:rig:password');
    expect(secrets.get('server:rig:password')).toBe('hackme');
    expect(rig.codec).toMatchObject({ codec: 'mp3', mode: 'cbr', bitrateKbps: 128 });
    expect(rig.streamInfo).toBe('rigicy');
    expect(settings.stream.selectedServer).toBe('rig');
    expect(settings.stream.streamInfos[0]).toMatchObject({ name: 'rigicy', public: false, description: 'rig test', genre: 'test', url: 'http://example.invalid' });
    expect(settings.stream.connectAtStartup).toBe(true);
    expect(flags).toEqual({ connectAtStartup: true, recordAtLaunch: false });
    expect(settings.stream.codec).toBe('mp3');
    expect(settings.audio.streamCodecs.mp3.bitrateKbps).toBe(128);
    expect(settings.audio.record).toMatchObject({ codec: 'mp3', fileName: 'rec_%Y%m%d-%H%M%S.mp3', folder: '~/recordings/', splitMinutes: 0, syncToHour: false });
    expect(settings.audio.record.codecs.mp3.bitrateKbps).toBe(192);
    expect(settings.audio.input.sampleRate).toBe(44100);
    expect(settings.audio.signalDetection).toEqual({ presentLevelDb: -50, absentLevelDb: -50 });
    expect(settings.audio.dsp.masterGainDb).toBe(0);
    // The password is nowhere in the settings.
    expect(JSON.stringify(settings)).not.toContain('hackme');
  });

  it('default-0.1.37.buttrc: no servers, BUTT defaults, the misspelled threshold keys, unknown keys kept', () => {
    const { settings, notes } = imported(fixture('default-0.1.37.buttrc'));
    expect(settings.stream.servers).toEqual([]);
    expect(settings.stream.selectedServer).toBeNull();
    expect(settings.audio.record).toMatchObject({ codec: 'mp3', fileName: 'rec_%Y%m%d-%H%M%S.mp3', folder: '/root/' });
    expect(settings.audio.record.codecs.mp3.bitrateKbps).toBe(192);
    expect(settings.audio.streamCodecs.mp3.bitrateKbps).toBe(128);
    expect(settings.stream.automation).toEqual({ startOnSignal: false, signalSeconds: 0, stopOnSilence: false, silenceSeconds: 0 });
    expect(settings.recordAutomation.detection.startOnSignal).toBe(false);
    expect(settings.audio.dsp.stream.compressor).toMatchObject({ enabled: false, thresholdDb: -20, ratio: 5, attackSeconds: 0.01, releaseSeconds: 1, makeupGainDb: 0 });
    expect(settings.audio.record.codecs['flac'].bitDepth).toBe(16);
    expect(settings.audio.record.wav.sampleFormat).toBe('int16');
    expect(notes.filter((n) => /threshhold/.test(n.message)).map((n) => n.line)).toEqual([23, 22, 54, 53]);
    const extra = settings.compat.butt.extra;
    expect(extra).toContainEqual({ section: 'gui', key: 'lang_str', value: 'system' });
    expect(extra).toContainEqual({ section: 'aac_codec_stream', key: 'afterburner', value: '0' });
    expect(extra).toContainEqual({ section: 'tls', key: 'cert_file', value: '' });
    expect(extra).toContainEqual({ section: 'audio', key: 'device', value: 'default' });
  });
});

describe('BUTT import: every key', () => {
  const { settings, secrets, flags, notes } = imported(everyKey());

  it('[main]: titles, gain in dB, automation, reconnects', () => {
    expect(settings.song).toEqual({
      filePath: '/var/lib/playout/title.txt', updateFromFile: true, readLastLine: true, delaySeconds: 3,
      prefix: 'On air: ', suffix: ' (live)', url: 'http://127.0.0.1:9/now-playing.txt', updateFromUrl: true, urlIntervalSeconds: 5,
    });
    expect(settings.audio.dsp.masterGainDb).toBe(3.6);
    expect(settings.stream.automation).toEqual({ startOnSignal: true, signalSeconds: 2.5, stopOnSilence: false, silenceSeconds: 30 });
    expect(settings.stream).toMatchObject({ connectAtStartup: true, forceReconnecting: true, reconnectDelaySeconds: 5, titleCharset: 'ISO-8859-1' });
    expect(settings.log.file).toBe('/var/log/butt.log');
    expect(flags).toEqual({ connectAtStartup: true, recordAtLaunch: true });
  });

  it('servers: Icecast, Shoutcast, and WebRTC kept as unsupported; secrets out of the settings', () => {
    const [ice, sc, web] = settings.stream.servers;
    expect(ice).toMatchObject({
      name: 'Main Ice', type: 'icecast', address: 'icecast.example.org', port: 8443, tls: true, mount: 'live', user: 'dj', protocol: 'source',
      customListenerUrl: 'https://listen.example.org/live', customListenerMount: 'live.mp3',
      certHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', reconnectDelaySeconds: 5, forceReconnecting: true, streamInfo: 'Evening',
    });
    // No 100-character cap (a BUTT defect).
    const long = secrets.get(ice!.passwordRef!)!;
    expect(long.length).toBeGreaterThan(100);
    expect(long.startsWith('pa;ss#word with spaces')).toBe(true);
    expect(sc).toMatchObject({ name: 'Backup SC', type: 'shoutcast', address: '10.0.0.5', port: 8000, mount: '', user: 'source' });
    expect(secrets.get(sc!.passwordRef!)).toBe('scpass:#2');
    expect(web).toMatchObject({ name: 'Web', type: 'unsupported', buttType: 3, port: 0, extra: { webrtc_ice: '', webrtc_whip: 'localhost:8889/stream/whip' } });
    expect(secrets.get(web!.secretRefs['webrtc_auth']!)).toBe('Bearer abc.def');
    expect(settings.stream.selectedServer).toBe('Backup SC');
    const json = JSON.stringify(settings);
    for (const secret of secrets.values()) if (secret !== '(none)') expect(json).not.toContain(secret);
    expect(json).not.toContain('omni_admin');
    expect(settings.compat.butt.extra).toContainEqual({ section: 'Remote Control', key: 'password', secretRef: 'butt:Remote Control:password' });
    expect(notes.some((n) => /WebRTC/.test(n.message))).toBe(true);
  });

  it('stream infos', () => {
    expect(settings.stream.streamInfos).toEqual([
      { name: 'Morning', public: true, description: 'Breakfast show', genre: 'Talk', url: 'https://example.org', irc: '#radio', icq: '12345', aim: 'radioaim', expandVariables: true, extra: {} },
      { name: 'Evening', public: false, description: 'Évening jäzz – ünïcode', genre: 'Jazz', url: '', irc: '', icq: '', aim: '', expandVariables: false, extra: {} },
    ]);
    expect(settings.stream.selectedStreamInfo).toBe('Evening');
  });

  it('[audio] and [mixer]: device by name, channels, levels as -dBFS, codec, bitrate, secondary device', () => {
    const input = settings.audio.input;
    expect(input).toMatchObject({ deviceName: 'RADIO (USB Audio CODEC) [Loopback]', sampleRate: 48000, bufferMs: 80, crossfade: 0.3 });
    expect(input.channelMap).toEqual({ left: 2, right: 3, mono: true });
    expect(input.secondary).toEqual({ deviceName: 'Studio Mic', sampleRate: 48000, channelMap: { left: 0, right: 1, mono: false } });
    expect(settings.audio.signalDetection).toEqual({ presentLevelDb: -30, absentLevelDb: -45.5 });
    expect(settings.stream.codec).toBe('opus');
    expect(settings.audio.streamCodecs.opus).toMatchObject({ bitrateKbps: 96, mode: 'cbr', application: 'speech' });
    expect(settings.audio.streamCodecs.mp3).toMatchObject({ bitrateKbps: 96, mode: 'abr', vbrQuality: 2 });
    expect(settings.audio.streamCodecs.vorbis).toMatchObject({ nominalBitrateKbps: 96, mode: 'quality' });
    expect(settings.audio.streamCodecs['ogg-flac'].bitDepth).toBe(24);
    expect(settings.audio.dsp.stream.gainDb).toBe(-3);
    expect(settings.audio.dsp.record.gainDb).toBe(2);
  });

  it('[record] and record automation', () => {
    expect(settings.audio.record).toMatchObject({
      codec: 'flac', folder: '/srv/recordings/', fileName: 'show_%Y%m%d-%H%M_%i.flac', existingFile: 'overwrite', splitMinutes: 60, syncToHour: true,
    });
    expect(settings.audio.record.codecs.flac.bitDepth).toBe(24);
    expect(settings.audio.record.codecs.mp3).toMatchObject({ bitrateKbps: 256, mode: 'vbr', vbrQuality: 0 });
    expect(settings.audio.record.codecs.opus.mode).toBe('cvbr');
    expect(settings.audio.record.wav.sampleFormat).toBe('int24');
    expect(settings.recordAutomation).toEqual({
      startWithStream: true, stopWithStream: true, startAtLaunch: true,
      detection: { startOnSignal: true, signalSeconds: 1, stopOnSilence: true, silenceSeconds: 120 },
    });
  });

  it('[dsp]: EQ on the stream path only, compressor on both, one curve', () => {
    const { stream, record } = settings.audio.dsp;
    expect(stream.eq).toEqual({ enabled: true, preset: 'Rock', gainsDb: [4, 3, 1.5, 0, -1, -1.5, 0.5, 2, 3.5, 4.5] });
    expect(record.eq.enabled).toBe(false);
    expect(record.eq.gainsDb).toEqual(stream.eq.gainsDb);
    for (const c of [stream.compressor, record.compressor]) {
      expect(c).toEqual({ enabled: true, aggressive: true, thresholdDb: -18, ratio: 4, attackSeconds: 0.02, releaseSeconds: 0.5, makeupGainDb: 3 });
    }
  });

  it('[aes67] and [gui]', () => {
    // The settings file stores the engine's sender settings: the BUTT keys plus the engine's defaults.
    expect(settings.aes67).toEqual({ ...defaultAes67Settings(), enabled: true, address: '239.69.1.2', port: 5006, ttl: 16, dscp: 34, interface: 'eth1', loopback: true, ptp: true, sap: true });
    expect(settings.interface.startMinimized).toBe(true);
    expect(settings.compat.butt.extra).toContainEqual({ section: 'gui', key: 'window_title', value: 'Studio A' });
    expect(settings.compat.butt.extra).toContainEqual({ section: 'midi_cmd_0', key: 'msg_num', value: '7' });
    expect(settings.compat.butt.extra).toContainEqual({ section: 'mixer', key: 'secondary_device_muted', value: '1' });
  });

  it('imports cleanly: no clamped or ignored values', () => {
    expect(notes.filter((n) => n.kind !== 'notice')).toEqual([]);
    expect(SettingsSchema.safeParse(settings).success).toBe(true);
  });
});

describe('BUTT import: [aes67] of the BUTT AES67 fork', () => {
  it('empty = default, a value the sender refuses is noted and its default kept, dscp absent follows the mode', () => {
    const { settings, notes } = imported('[aes67]\nactive = 1\nip = 10.1.2.3\nport = 5004\nttl = 16\ndscp =\niface = eth1\nloopback = 0\nptp = 1\nsap =\n');
    expect(settings.aes67).toMatchObject({ enabled: true, address: defaultAes67Settings().address, ttl: 16, dscp: null, interface: 'eth1', loopback: false, ptp: true, sap: true });
    expect(notes).toContainEqual(expect.objectContaining({ kind: 'ignored', line: 3, message: expect.stringContaining('ip = 10.1.2.3') }));
    // Exported again without dscp, so a re-import keeps following the mode (34, or 46 in Dante mode).
    const exported = exportButtrc(settings, () => undefined);
    if (!exported.ok) throw new Error(exported.error.message);
    expect(exported.text).toMatch(/\[aes67\][^[]*ttl = 16/);
    expect(exported.text).not.toMatch(/^dscp/m);
    expect(imported(exported.text).settings.aes67).toEqual(settings.aes67);
  });
});

describe('BUTT round trip: import -> export -> import', () => {
  for (const [name, load] of [
    ['default-0.1.37.buttrc', () => fixture('default-0.1.37.buttrc')],
    ['icecast-example.buttrc', () => fixture('icecast-example.buttrc')],
    ['every-key.buttrc', everyKey],
  ] as const) {
    it(`${name}: settings and secrets deep-equal, unknown keys survive`, () => {
      const { first, second, text } = roundTrip(load());
      expect(second.settings).toEqual(first.settings);
      expect(second.secrets).toEqual(first.secrets);
      expect(second.notes.filter((n) => n.kind !== 'notice')).toEqual([]);
      // Every key of the original file is in the export (with its section), except the misspelled ones.
      const original = imported(load());
      for (const entry of original.settings.compat.butt.extra) expect(text).toContain(`\n${entry.key} = `);
      // A second export is byte-identical: nothing drifts.
      const again = exportButtrc(second.settings, (ref) => second.secrets.get(ref));
      expect(again.ok && again.text).toBe(text);
    });
  }

  it('the exported every-key file keeps BUTT\'s spellings: %20, (none), passwords in the server section', () => {
    const { text } = roundTrip(everyKey());
    expect(text).toContain('song_prefix = On%20air:%20\n');
    expect(text).toContain('song_suffix = %20(live)\n');
    expect(text).toMatch(/\[Backup SC\]\naddress = 10\.0\.0\.5\nport = 8000\npassword = scpass:#2\ntype = 0\n/);
    expect(text).toContain('mount = (none)\nusr = (none)\n');
    expect(text).toContain('[Remote Control]\nenabled = 1\nport = 1257\npassword = omni_admin\n');
    expect(text).toContain('webrtc_auth = Bearer abc.def\n');
    expect(text).toContain('srv_ent = Main Ice;Backup SC;Web\n');
    expect(text).toContain('gain = 1.513561\n');
  });
});

describe('BUTT import: values out of range, with their lines', () => {
  it('clamps and ignores, naming each line; BUTT would have used them silently', () => {
    const text = [
      '[main]', 'gain = 100', 'srv_ent = a;ghost', 'server = nobody', 'num_of_srv = 2', '[audio]', 'samplerate = 192000', 'codec = wma', 'bitrate = 1000',
      'signal_level = -20', '[dsp]', 'gain1 = 40', 'ratio = banana', '[a]', 'address = h', 'port = 99999', 'type = 7', 'cert_hash = abc', 'protocol = 5',
    ].join('\n');
    const { settings, notes } = imported(text);
    const at = (line: number): string => notes.filter((n) => n.line === line).map((n) => `${n.kind}: ${n.message}`).join(' | ');
    expect(settings.audio.dsp.masterGainDb).toBe(24);
    expect(at(2)).toMatch(/clamped.*outside \+-24 dB/);
    expect(at(3)).toMatch(/"ghost".*no \[ghost\] section/);
    expect(at(4)).toMatch(/nobody is not in srv_ent/);
    expect(settings.stream.selectedServer).toBe('a');
    expect(settings.audio.input.sampleRate).toBe(96000);
    expect(at(7)).toMatch(/clamped.*96000/);
    expect(at(8)).toMatch(/ignored.*wma/);
    expect(at(9)).toMatch(/bitrate = 1000 is not a mp3 bitrate/);
    expect(settings.audio.signalDetection.presentLevelDb).toBe(-0);
    expect(at(10)).toMatch(/clamped/);
    expect(settings.audio.dsp.stream.eq.gainsDb).toEqual(new Array(10).fill(0));
    expect(at(13)).toMatch(/banana.*not a number/);
    expect(settings.stream.servers[0]).toMatchObject({ name: 'a', type: 'unsupported', buttType: 7, port: 65535, certHash: '', protocol: 'put' });
    expect(at(16)).toMatch(/clamped/);
    expect(at(18)).toMatch(/cert_hash/);
    expect(at(19)).toMatch(/protocol = 5/);
  });
});
