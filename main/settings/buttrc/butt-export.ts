/**
 * Airtight settings -> BUTT config text, in BUTT's own section order. Keys kept from an import
 * (compat.butt.extra, a server's or stream info's extra) are written back after the keys
 * Airtight maps. Secrets come from `secretOf` (the SecretStore); the file BUTT reads holds
 * them in plain text, as BUTT requires: the caller should write it with mode 0600.
 * Whatever BUTT cannot express (a second codec per server, separate EQ gains for the record
 * path...) is listed in `warnings`.
 */
import { appError, type AppError } from '../../shared/errors';
import { EQ_BAND_COUNT } from '../../engine/audio/dsp/dsp-settings';
import type { CodecSections } from '../../engine/audio/encoders/encoder-settings';
import { Aes67SettingsSchema } from '../aes67-settings-schema';
import type { DetectionAutomation } from '../automation-settings-schema';
import type { Settings } from '../settings-schema';
import { writeButtrc } from './buttrc-writer';
import { BUTT_TYPE, dbToLinearText, encodeSpaces, flag, formatFloat, formatNumber, recordCodecToButt, streamCodecToButt } from './butt-values';

export type SecretLookup = (ref: string) => string | undefined;

export type ButtExportResult = { ok: true; text: string; warnings: string[] } | { ok: false; error: AppError };

const SECTION_ORDER = [
  'main', 'audio', 'record', 'tls', 'dsp', 'mixer', 'gui',
  'mp3_codec_stream', 'mp3_codec_rec', 'vorbis_codec_stream', 'vorbis_codec_rec', 'opus_codec_stream', 'opus_codec_rec',
  'aac_codec_stream', 'aac_codec_rec', 'flac_codec_stream', 'flac_codec_rec', 'wav_codec_rec', 'aes67',
];

/** Ordered sections of ordered keys; the first writer of a key wins (mapped keys go first). */
class Builder {
  readonly sections: Map<string, Map<string, string>>;
  readonly warnings: string[] = [];

  constructor(order: string[]) {
    this.sections = new Map(order.map((name) => [name, new Map()]));
  }

  put(section: string, key: string, value: string): void {
    let entries = this.sections.get(section);
    if (!entries) this.sections.set(section, (entries = new Map()));
    const existing = entries.get(key);
    if (existing === undefined) entries.set(key, value);
    else if (existing !== value) this.warnings.push(`[${section}] ${key} is wanted twice (a server or stream info shares a section name): "${existing}" kept`);
  }

  has(section: string, key: string): boolean {
    return this.sections.get(section)?.has(key) ?? false;
  }
}

/**
 * BUTT's section order, with the sections only known from an import (in `extra`) back where
 * they were: each follows the known section it followed in the imported file.
 */
function sectionOrder(settings: Settings): string[] {
  const order = [...SECTION_ORDER];
  let after = -1;
  for (const { section } of settings.compat.butt.extra) {
    const at = order.indexOf(section);
    if (at >= 0) {
      after = at;
      continue;
    }
    order.splice(after + 1, 0, section);
    after += 1;
  }
  return order;
}

export function exportButtrc(settings: Settings, secretOf: SecretLookup): ButtExportResult {
  const b = new Builder(sectionOrder(settings));
  const extraOf = (section: string, key: string): string | undefined =>
    settings.compat.butt.extra.find((entry) => entry.section === section && entry.key === key)?.value;

  for (const list of [settings.stream.servers.map((x) => x.name), settings.stream.streamInfos.map((x) => x.name)]) {
    const bad = list.find((name) => name.includes(';'));
    if (bad !== undefined) return { ok: false, error: appError('BUTTRC_EXPORT', `"${bad}" contains ";", which BUTT uses to separate names: rename it before exporting.`) };
  }

  exportMain(b, settings);
  exportAudio(b, settings, extraOf);
  exportRecord(b, settings);
  exportDsp(b, settings);
  const x = 'mixer';
  b.put(x, 'streaming_gain', dbToLinearText(settings.audio.dsp.stream.gainDb));
  b.put(x, 'recording_gain', dbToLinearText(settings.audio.dsp.record.gainDb));
  b.put(x, 'cross_fader', derived(settings.audio.input.crossfade * 2 - 1));
  b.put('gui', 'start_minimized', flag(settings.interface.startMinimized));
  exportCodecSections(b, settings);
  exportAes67(b, settings);
  exportServers(b, settings, secretOf);
  exportStreamInfos(b, settings);

  for (const entry of settings.compat.butt.extra) {
    if (b.has(entry.section, entry.key)) continue;
    if (entry.secretRef !== undefined) {
      const secret = secretOf(entry.secretRef);
      if (secret === undefined) b.warnings.push(`[${entry.section}] ${entry.key}: not in the secret store, written empty`);
      b.put(entry.section, entry.key, secret ?? '');
    } else b.put(entry.section, entry.key, entry.value ?? '');
  }

  const sections = [...b.sections].filter(([, entries]) => entries.size > 0).map(([name, entries]) => ({ name, entries: [...entries] }));
  const written = writeButtrc(sections);
  if (!written.ok) return written;
  return { ok: true, text: written.result.text, warnings: [...b.warnings, ...written.result.warnings] };
}

/** A computed float, rounded so that import -> export -> import returns the same number. */
function derived(value: number): string {
  return formatFloat(Number(value.toFixed(9)));
}

function exportDetection(b: Builder, section: string, d: DetectionAutomation): void {
  b.put(section, 'signal_threshold', formatNumber(d.signalSeconds));
  b.put(section, 'silence_threshold', formatNumber(d.silenceSeconds));
  // BUTT >= 0.1.41 reads these; older versions treat a threshold > 0 as "on".
  b.put(section, 'signal_detection', flag(d.startOnSignal));
  b.put(section, 'silence_detection', flag(d.stopOnSilence));
  if ((!d.startOnSignal && d.signalSeconds > 0) || (!d.stopOnSilence && d.silenceSeconds > 0)) {
    b.warnings.push(`[${section}] a threshold is set while its detection is off: BUTT before 0.1.41 will treat it as on`);
  }
}

function exportMain(b: Builder, s: Settings): void {
  const m = 'main';
  const { stream, song } = s;
  const servers = stream.servers.map((x) => x.name);
  const infos = stream.streamInfos.map((x) => x.name);
  b.put(m, 'server', stream.selectedServer && servers.includes(stream.selectedServer) ? stream.selectedServer : (servers[0] ?? ''));
  b.put(m, 'srv_ent', servers.join(';'));
  b.put(m, 'icy', stream.selectedStreamInfo && infos.includes(stream.selectedStreamInfo) ? stream.selectedStreamInfo : (infos[0] ?? ''));
  b.put(m, 'icy_ent', infos.join(';'));
  b.put(m, 'num_of_srv', String(servers.length));
  b.put(m, 'num_of_icy', String(infos.length));
  b.put(m, 'song_path', song.filePath);
  b.put(m, 'song_update', flag(song.updateFromFile));
  b.put(m, 'song_delay', formatNumber(song.delaySeconds));
  b.put(m, 'song_prefix', encodeSpaces(song.prefix));
  b.put(m, 'song_suffix', encodeSpaces(song.suffix));
  b.put(m, 'read_last_line', flag(song.readLastLine));
  b.put(m, 'song_update_url', song.url);
  b.put(m, 'song_update_url_active', flag(song.updateFromUrl));
  b.put(m, 'song_update_url_interval', formatNumber(song.urlIntervalSeconds));
  b.put(m, 'gain', dbToLinearText(s.audio.dsp.masterGainDb));
  exportDetection(b, m, stream.automation);
  b.put(m, 'connect_at_startup', flag(stream.connectAtStartup));
  b.put(m, 'force_reconnecting', flag(stream.forceReconnecting));
  b.put(m, 'reconnect_delay', formatNumber(stream.reconnectDelaySeconds));
  b.put(m, 'ic_charset', stream.titleCharset);
  b.put(m, 'log_file', s.log.file);
}

/** BUTT has one bitrate; a codec without one (FLAC, WAV) leaves the MP3 one in the file. */
function bitrateOf(codecs: CodecSections, codec: string): number {
  if (codec === 'vorbis') return codecs.vorbis.nominalBitrateKbps;
  if (codec === 'opus') return codecs.opus.bitrateKbps;
  if (codec === 'aac') return codecs.aac.bitrateKbps;
  return codecs.mp3.bitrateKbps;
}

function exportAudio(b: Builder, s: Settings, extraOf: (section: string, key: string) => string | undefined): void {
  const a = 'audio';
  const input = s.audio.input;
  b.put(a, 'dev_name', input.deviceName ?? '');
  b.put(a, 'samplerate', String(input.sampleRate));
  b.put(a, 'bitrate', String(bitrateOf(s.audio.streamCodecs, s.stream.codec)));
  b.put(a, 'channel', input.channelMap.mono ? '1' : '2');
  b.put(a, 'left_ch', String(input.channelMap.left + 1));
  b.put(a, 'right_ch', String(input.channelMap.right + 1));
  b.put(a, 'codec', streamCodecToButt(s.stream.codec));
  if (s.stream.codec === 'flac') b.warnings.push('[audio] codec: BUTT streams FLAC only in Ogg; written as "flac" (Ogg FLAC)');
  b.put(a, 'signal_level', formatFloat(-s.audio.signalDetection.presentLevelDb));
  b.put(a, 'silence_level', formatFloat(-s.audio.signalDetection.absentLevelDb));
  b.put(a, 'buffer_ms', String(input.bufferMs));
  const keptIndex = Number(extraOf(a, 'device2') ?? -1);
  if (input.secondary) {
    // A kept device number is written back in its own place by the extras below.
    if (!(Number.isInteger(keptIndex) && keptIndex >= 0)) b.put(a, 'device2', '0');
    b.put(a, 'dev2_name', input.secondary.deviceName ?? '');
    b.put(a, 'left_ch2', String(input.secondary.channelMap.left + 1));
    b.put(a, 'right_ch2', String(input.secondary.channelMap.right + 1));
  } else if (keptIndex >= 0) b.put(a, 'device2', '-1');
  if (input.source !== 'device') b.warnings.push(`[audio] Airtight's ${input.source} source has no BUTT equivalent: BUTT will use the device`);
  const shared = JSON.stringify(s.audio.streamCodecs[s.stream.codec]);
  for (const server of s.stream.servers) {
    if (server.type !== 'unsupported' && JSON.stringify(server.codec) !== shared) {
      b.warnings.push(`server "${server.name}" has its own codec settings (${server.codec.codec}): BUTT has one codec for all servers, ${s.stream.codec} written`);
    }
  }
}

function exportRecord(b: Builder, s: Settings): void {
  const c = 'record';
  const record = s.audio.record;
  const auto = s.recordAutomation;
  b.put(c, 'bitrate', String(bitrateOf(record.codecs, record.codec)));
  b.put(c, 'codec', recordCodecToButt(record.codec));
  b.put(c, 'start_rec', flag(auto.startWithStream));
  b.put(c, 'stop_rec', flag(auto.stopWithStream));
  b.put(c, 'rec_after_launch', flag(auto.startAtLaunch));
  b.put(c, 'overwrite_files', flag(record.existingFile === 'overwrite'));
  if (record.existingFile === 'append') b.warnings.push('[record] BUTT cannot append to an existing file: written as "do not overwrite"');
  b.put(c, 'sync_to_hour', flag(record.syncToHour));
  b.put(c, 'split_time', formatNumber(record.splitMinutes));
  b.put(c, 'filename', record.fileName);
  exportDetection(b, c, auto.detection);
  b.put(c, 'folder', record.folder);
}

function exportDsp(b: Builder, s: Settings): void {
  const d = 'dsp';
  const { stream, record } = s.audio.dsp;
  b.put(d, 'equalizer', flag(stream.eq.enabled));
  b.put(d, 'equalizer_rec', flag(record.eq.enabled));
  b.put(d, 'eq_preset', stream.eq.preset);
  for (let band = 0; band < EQ_BAND_COUNT; band++) b.put(d, `gain${band + 1}`, formatFloat(stream.eq.gainsDb[band] ?? 0));
  b.put(d, 'compressor', flag(stream.compressor.enabled));
  b.put(d, 'compressor_rec', flag(record.compressor.enabled));
  const c = stream.compressor;
  b.put(d, 'aggressive_mode', flag(c.aggressive));
  b.put(d, 'threshold', formatFloat(c.thresholdDb));
  b.put(d, 'ratio', formatFloat(c.ratio));
  b.put(d, 'attack', formatFloat(c.attackSeconds));
  b.put(d, 'release', formatFloat(c.releaseSeconds));
  b.put(d, 'makeup_gain', formatFloat(c.makeupGainDb));
  const { enabled: _s, ...streamParams } = stream.compressor;
  const { enabled: _r, ...recordParams } = record.compressor;
  if (JSON.stringify(stream.eq.gainsDb) !== JSON.stringify(record.eq.gainsDb) || stream.eq.preset !== record.eq.preset || JSON.stringify(streamParams) !== JSON.stringify(recordParams)) {
    b.warnings.push('[dsp] BUTT has one EQ curve and one compressor setting for both paths: the stream path\'s are written');
  }
}

function exportCodecSections(b: Builder, s: Settings): void {
  for (const [path, codecs] of [['stream', s.audio.streamCodecs], ['rec', s.audio.record.codecs]] as const) {
    b.put(`mp3_codec_${path}`, 'bitrate_mode', String({ cbr: 0, vbr: 1, abr: 2 }[codecs.mp3.mode]));
    b.put(`mp3_codec_${path}`, 'vbr_quality', formatNumber(codecs.mp3.vbrQuality));
    b.put(`vorbis_codec_${path}`, 'bitrate_mode', String({ bitrate: 0, quality: 1 }[codecs.vorbis.mode]));
    b.put(`opus_codec_${path}`, 'bitrate_mode', String({ cbr: 0, vbr: 1, cvbr: 2 }[codecs.opus.mode]));
    b.put(`opus_codec_${path}`, 'audio_type', String({ music: 0, speech: 1 }[codecs.opus.application]));
    b.put(`flac_codec_${path}`, 'bit_depth', String(path === 'stream' ? codecs['ogg-flac'].bitDepth : codecs.flac.bitDepth));
  }
  b.put('wav_codec_rec', 'bit_depth', { int16: '16', int24: '24', int32: '32', float32: '32' }[s.audio.record.wav.sampleFormat]);
  if (s.audio.record.wav.sampleFormat === 'float32') b.warnings.push('[wav_codec_rec] BUTT writes no float WAV: 32-bit integer written');
}

function exportAes67(b: Builder, s: Settings): void {
  const a = s.aes67;
  // Only when used: mainline BUTT has no [aes67].
  if (JSON.stringify(a) === JSON.stringify(Aes67SettingsSchema.parse({}))) return;
  const x = 'aes67';
  b.put(x, 'active', flag(a.enabled));
  b.put(x, 'ip', a.address);
  b.put(x, 'port', String(a.port));
  b.put(x, 'ttl', String(a.ttl));
  // null = the mode's default (34, or 46 for Dante): left out so an import keeps following the mode.
  if (a.dscp !== null) b.put(x, 'dscp', String(a.dscp));
  b.put(x, 'iface', a.interface);
  b.put(x, 'loopback', flag(a.loopback));
  b.put(x, 'ptp', flag(a.ptp));
  b.put(x, 'sap', flag(a.sap));
}

function exportServers(b: Builder, s: Settings, secretOf: SecretLookup): void {
  for (const server of s.stream.servers) {
    const n = server.name;
    const icecast = server.type === 'icecast';
    b.put(n, 'address', server.address);
    b.put(n, 'port', String(server.port));
    let password = '';
    if (server.passwordRef !== null) {
      const secret = secretOf(server.passwordRef);
      if (secret === undefined) b.warnings.push(`server "${n}": its password is not in the secret store, written empty`);
      password = secret ?? '';
    }
    b.put(n, 'password', password);
    const type = server.type === 'unsupported' ? (server.buttType ?? BUTT_TYPE.webRtc) : icecast ? BUTT_TYPE.icecast : BUTT_TYPE.shoutcast;
    b.put(n, 'type', String(type));
    b.put(n, 'tls', flag(server.tls));
    b.put(n, 'custom_listener_url', server.customListenerUrl);
    b.put(n, 'custom_listener_mount', server.customListenerMount);
    b.put(n, 'cert_hash', server.certHash);
    // BUTT writes "(none)" where a Shoutcast server has no mount or user.
    b.put(n, 'mount', !icecast && server.mount === '' ? '(none)' : server.mount);
    b.put(n, 'usr', !icecast && server.user === 'source' ? '(none)' : server.user);
    b.put(n, 'protocol', server.protocol === 'source' ? '1' : '0');
    for (const [key, ref] of Object.entries(server.secretRefs)) {
      const secret = secretOf(ref);
      if (secret === undefined) b.warnings.push(`server "${n}" ${key}: not in the secret store, written empty`);
      b.put(n, key, secret ?? '');
    }
    for (const [key, value] of Object.entries(server.extra)) b.put(n, key, value);
  }
}

function exportStreamInfos(b: Builder, s: Settings): void {
  for (const info of s.stream.streamInfos) {
    const n = info.name;
    b.put(n, 'expand_variables', flag(info.expandVariables));
    b.put(n, 'pub', flag(info.public));
    b.put(n, 'description', info.description);
    b.put(n, 'genre', info.genre);
    b.put(n, 'url', info.url);
    b.put(n, 'irc', info.irc);
    b.put(n, 'icq', info.icq);
    b.put(n, 'aim', info.aim);
    for (const [key, value] of Object.entries(info.extra)) b.put(n, key, value);
  }
}
