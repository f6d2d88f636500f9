/**
 * BUTT config -> Airtight settings. Every section butt-compat.md lists is mapped; every key
 * Airtight does not understand is kept verbatim (compat.butt.extra, or a server's / stream
 * info's own `extra`) so an export gives it back. Passwords and tokens go to the returned
 * `secrets` map (reference -> value), never into the settings. Values out of range are
 * clamped or ignored, each with a note naming its line.
 */
import { appError, type AppError } from '../../shared/errors';
import { MP3_BITRATES, type CodecSections } from '../../engine/audio/encoders/encoder-settings';
import { EQ_BAND_COUNT, EQ_MAX_GAIN_DB, GAIN_RANGE_DB } from '../../engine/audio/dsp/dsp-settings';
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../../engine/audio/audio-format';
import { SettingsSchema, defaultSettings, type Settings } from '../settings-schema';
import type { ServerSettings, StreamInfo } from '../server-settings-schema';
import type { DetectionAutomation } from '../automation-settings-schema';
import type { ExtraEntry } from '../compat-settings-schema';
import { Aes67SenderSettingsSchema } from '../../engine/aes67/aes67-settings';
import type { Aes67Settings } from '../aes67-settings-schema';
import { extraSecretRef, serverPasswordRef, serverTokenRef } from '../secret-ref';
import { readButtrc, type ButtrcDocument, type ButtrcEntry } from './buttrc-reader';
import { BUTT_RECORD_CODECS, BUTT_STREAM_CODECS, BUTT_TYPE, decodeSpaces, linearToDbRounded, looksSecret } from './butt-values';

export interface ImportNote {
  line?: number;
  kind: 'clamped' | 'ignored' | 'notice';
  message: string;
}

export interface ButtImport {
  settings: Settings;
  /** Secret reference -> secret; the caller puts these in its SecretStore. */
  secrets: Map<string, string>;
  /** One line per area imported, for the operator. */
  imported: string[];
  notes: ImportNote[];
  /** Things the host acts on once the engine runs. */
  flags: { connectAtStartup: boolean; recordAtLaunch: boolean };
}

export type ButtImportResult = { ok: true; value: ButtImport } | { ok: false; error: AppError };

/** Sections with a fixed meaning in BUTT (a server or stream info of the same name shares it). */
export const BUTT_KNOWN_SECTIONS = [
  'main', 'audio', 'record', 'tls', 'dsp', 'mixer', 'gui', 'aes67',
  'mp3_codec_stream', 'mp3_codec_rec', 'vorbis_codec_stream', 'vorbis_codec_rec', 'opus_codec_stream', 'opus_codec_rec',
  'aac_codec_stream', 'aac_codec_rec', 'flac_codec_stream', 'flac_codec_rec', 'wav_codec_rec',
];

export function importButtrc(input: Uint8Array | string, options: { source?: string; base?: Settings } = {}): ButtImportResult {
  const source = options.source ?? 'the BUTT config file';
  const read = readButtrc(input, source);
  if (!read.ok) return read;
  const reader = new Reader(read.document);
  for (const note of read.document.notes) reader.notes.push({ kind: 'notice', ...note });
  const s = structuredClone(options.base ?? defaultSettings());
  const secrets = new Map<string, string>();
  const imported: string[] = [];

  importMain(reader, s, imported);
  importServers(reader, s, secrets, imported);
  importStreamInfos(reader, s, imported);
  importAudio(reader, s, imported);
  importRecord(reader, s, imported);
  importDsp(reader, s, imported);
  importMixer(reader, s);
  importCodecSections(reader, s);
  importGui(reader, s);
  importAes67(reader, s, imported);
  fillServerEntries(s);
  keepTheRest(reader, s, secrets, imported);

  const parsed = SettingsSchema.safeParse(s);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: appError('BUTTRC_INVALID', `${source} could not be turned into valid settings at "${issue?.path.join('.')}": ${issue?.message}. Nothing was imported.`),
    };
  }
  return {
    ok: true,
    value: {
      settings: parsed.data,
      secrets,
      imported,
      notes: reader.notes,
      flags: { connectAtStartup: parsed.data.stream.connectAtStartup, recordAtLaunch: parsed.data.recordAutomation.startAtLaunch },
    },
  };
}

/** Typed access to the document; remembers which keys were used so the rest can be kept. */
class Reader {
  readonly notes: ImportNote[] = [];
  private readonly used = new Set<string>();

  constructor(readonly doc: ButtrcDocument) {}

  has(section: string): boolean {
    return this.doc.sections.has(section);
  }

  /** Marks the key used; undefined when absent or empty (BUTT: empty = default). */
  take(section: string, key: string): ButtrcEntry | undefined {
    const entry = this.peek(section, key);
    this.used.add(`${section}\0${key}`);
    return entry;
  }

  /** Reads without marking the key used (it stays in `extra` verbatim). */
  peek(section: string, key: string): ButtrcEntry | undefined {
    const entry = this.doc.sections.get(section)?.entries.get(key);
    return entry && entry.value !== '' ? entry : undefined;
  }

  isUsed(section: string, key: string): boolean {
    return this.used.has(`${section}\0${key}`);
  }

  str(section: string, key: string): string | undefined {
    return this.take(section, key)?.value;
  }

  num(section: string, key: string, range: { min: number; max: number; int?: boolean }, entry = this.take(section, key)): number | undefined {
    if (!entry) return undefined;
    const value = Number(entry.value);
    if (entry.value.trim() === '' || !Number.isFinite(value)) {
      this.notes.push({ line: entry.line, kind: 'ignored', message: `[${section}] ${key} = "${entry.value}" is not a number: default used` });
      return undefined;
    }
    let result = range.int ? Math.trunc(value) : value;
    if (range.int && result !== value) this.notes.push({ line: entry.line, kind: 'clamped', message: `[${section}] ${key} = ${entry.value}: whole number ${result} used` });
    if (result < range.min || result > range.max) {
      const clamped = Math.min(range.max, Math.max(range.min, result));
      this.notes.push({ line: entry.line, kind: 'clamped', message: `[${section}] ${key} = ${entry.value} is outside ${range.min}..${range.max}: ${clamped} used` });
      result = clamped;
    }
    return result;
  }

  int(section: string, key: string, min = -2147483648, max = 2147483647): number | undefined {
    return this.num(section, key, { min, max, int: true });
  }

  /** BUTT's switches: 0 off, anything else on (atoi). */
  bool(section: string, key: string): boolean | undefined {
    const value = this.int(section, key);
    return value === undefined ? undefined : value !== 0;
  }

  /** Maps a small integer code; an unknown code is ignored with a note. */
  code<T>(section: string, key: string, table: Record<number, T>): T | undefined {
    const entry = this.take(section, key);
    if (!entry) return undefined;
    const value = table[Number(entry.value)];
    if (value === undefined || !/^-?\d+$/.test(entry.value)) {
      this.notes.push({ line: entry.line, kind: 'ignored', message: `[${section}] ${key} = ${entry.value} is not a value Airtight knows: default used` });
      return undefined;
    }
    return value;
  }

  /** Linear gain -> dB within +-range (BUTT clamps to +-24 dB too). */
  gainDb(section: string, key: string, rangeDb = GAIN_RANGE_DB): number | undefined {
    const linear = this.num(section, key, { min: -Infinity, max: Infinity });
    if (linear === undefined) return undefined;
    const entry = this.doc.sections.get(section)?.entries.get(key);
    const db = linear > 0 ? linearToDbRounded(linear) : -Infinity;
    if (db < -rangeDb || db > rangeDb) {
      const clamped = db < 0 ? -rangeDb : rangeDb;
      this.notes.push({ line: entry?.line, kind: 'clamped', message: `[${section}] ${key} = ${entry?.value} (${db.toFixed(1)} dB) is outside +-${rangeDb} dB: ${clamped} dB used` });
      return clamped;
    }
    return db;
  }

  note(line: number | undefined, kind: ImportNote['kind'], message: string): void {
    this.notes.push(line === undefined ? { kind, message } : { line, kind, message });
  }
}

function set<T>(value: T | undefined, apply: (value: T) => void): void {
  if (value !== undefined) apply(value);
}

/** `srv_ent = A;B;C`, empty names skipped (BUTT splits with strtok), repeats dropped. */
function nameList(r: Reader, key: string): { names: string[]; line?: number } {
  const entry = r.take('main', key);
  if (!entry) return { names: [] };
  const names: string[] = [];
  for (const name of entry.value.split(';')) {
    if (name === '') continue;
    if (names.includes(name)) r.note(entry.line, 'ignored', `[main] ${key} names "${name}" twice: listed once`);
    else names.push(name);
  }
  return { names, line: entry.line };
}

function importMain(r: Reader, s: Settings, imported: string[]): void {
  const m = 'main';
  const song = s.song;
  set(r.str(m, 'song_path'), (v) => (song.filePath = v));
  set(r.bool(m, 'song_update'), (v) => (song.updateFromFile = v));
  set(r.num(m, 'song_delay', { min: 0, max: 3600 }), (v) => (song.delaySeconds = v));
  set(r.str(m, 'song_prefix'), (v) => (song.prefix = decodeSpaces(v)));
  set(r.str(m, 'song_suffix'), (v) => (song.suffix = decodeSpaces(v)));
  set(r.bool(m, 'read_last_line'), (v) => (song.readLastLine = v));
  set(r.str(m, 'song_update_url'), (v) => (song.url = v));
  set(r.bool(m, 'song_update_url_active'), (v) => (song.updateFromUrl = v));
  set(r.num(m, 'song_update_url_interval', { min: 1, max: 86400 }), (v) => (song.urlIntervalSeconds = v));
  set(r.gainDb(m, 'gain'), (v) => (s.audio.dsp.masterGainDb = v));
  importDetection(r, m, s.stream.automation);
  set(r.bool(m, 'connect_at_startup'), (v) => (s.stream.connectAtStartup = v));
  set(r.bool(m, 'force_reconnecting'), (v) => (s.stream.forceReconnecting = v));
  set(r.num(m, 'reconnect_delay', { min: 0, max: 3600 }), (v) => (s.stream.reconnectDelaySeconds = v));
  set(r.str(m, 'log_file'), (v) => (s.log.file = v));
  set(r.str(m, 'ic_charset'), (v) => (s.stream.titleCharset = v));
  if (song.filePath || song.url) imported.push(`title updates: ${[song.filePath && `file ${song.filePath}`, song.url && `URL ${song.url}`].filter(Boolean).join(', ')}`);
}

/**
 * Signal/silence automation. BUTT < 0.1.41: threshold seconds, 0 = off (0.1.37's default file
 * misspells the keys "threshhold": read as the same key). >= 0.1.41: separate on/off switches.
 */
function importDetection(r: Reader, section: string, target: DetectionAutomation): void {
  const seconds = (key: string): number | undefined => {
    const typo = key.replace('threshold', 'threshhold');
    const typoEntry = r.take(section, typo);
    const entry = r.take(section, key) ?? typoEntry;
    if (entry === typoEntry && typoEntry) r.note(typoEntry.line, 'notice', `[${section}] ${typo} read as ${key} (BUTT 0.1.37 writes the misspelling in its default file and then ignores it)`);
    return r.num(section, key, { min: 0, max: 86400 }, entry);
  };
  const signal = seconds('signal_threshold');
  const silence = seconds('silence_threshold');
  set(signal, (v) => (target.signalSeconds = v));
  set(silence, (v) => (target.silenceSeconds = v));
  target.startOnSignal = r.bool(section, 'signal_detection') ?? (signal ?? 0) > 0;
  target.stopOnSilence = r.bool(section, 'silence_detection') ?? (silence ?? 0) > 0;
}

function importServers(r: Reader, s: Settings, secrets: Map<string, string>, imported: string[]): void {
  const list = nameList(r, 'srv_ent');
  const declared = r.int('main', 'num_of_srv', 0);
  if (declared !== undefined && declared !== list.names.length) {
    r.note(list.line, 'notice', `[main] num_of_srv = ${declared} but srv_ent lists ${list.names.length}: the list wins`);
  }
  const servers: ServerSettings[] = [];
  for (const name of list.names) {
    if (!r.has(name)) {
      r.note(list.line, 'ignored', `server "${name}" is listed in srv_ent but has no [${name}] section: skipped`);
      continue;
    }
    if (BUTT_KNOWN_SECTIONS.includes(name)) r.note(r.doc.sections.get(name)?.line, 'notice', `server "${name}" shares its section with BUTT's own [${name}]`);
    const address = r.peek(name, 'address');
    if (!address) {
      r.note(r.doc.sections.get(name)?.line, 'ignored', `server "${name}" has no address: skipped (BUTT refuses such a file)`);
      continue;
    }
    const server: ServerSettings = {
      name, type: 'icecast', address: address.value, port: 8000, passwordRef: null, mount: '', user: 'source', protocol: 'put', tls: false,
      certHash: '', caPath: '', codec: s.audio.streamCodecs.mp3, streamInfo: '', reconnectDelaySeconds: 1, forceReconnecting: false,
      customListenerUrl: '', customListenerMount: '', secretRefs: {}, extra: {},
    };
    const typeEntry = r.take(name, 'type');
    const type = typeEntry ? Number(typeEntry.value) : BUTT_TYPE.icecast;
    if (type === BUTT_TYPE.icecast) server.type = 'icecast';
    else if (type === BUTT_TYPE.shoutcast) server.type = 'shoutcast';
    else {
      server.type = 'unsupported';
      server.buttType = Number.isInteger(type) ? type : -1;
      const what = type === BUTT_TYPE.radioCo ? 'radio.co' : type === BUTT_TYPE.webRtc ? 'WebRTC' : `type ${typeEntry?.value}`;
      r.note(typeEntry?.line, 'notice', `server "${name}" is a ${what} server, which Airtight cannot stream to: kept, unused`);
    }
    if (!typeEntry) r.note(r.doc.sections.get(name)?.line, 'notice', `server "${name}" has no type: Icecast assumed`);
    r.take(name, 'address');
    set(r.int(name, 'port', 0, 65535), (v) => (server.port = v));
    const password = r.take(name, 'password');
    if (password) {
      server.passwordRef = serverPasswordRef(name);
      secrets.set(server.passwordRef, password.value);
    }
    const mount = r.str(name, 'mount');
    if (mount !== undefined && !(mount === '(none)' && server.type !== 'icecast')) server.mount = mount;
    const user = r.str(name, 'usr');
    if (user !== undefined && !(user === '(none)' && server.type !== 'icecast')) server.user = user;
    set(r.code(name, 'protocol', { 0: 'put', 1: 'source' } as const), (v) => (server.protocol = v));
    set(r.bool(name, 'tls'), (v) => (server.tls = v));
    const certHash = r.take(name, 'cert_hash');
    if (certHash) {
      if (/^[0-9a-fA-F]{64}$/.test(certHash.value)) server.certHash = certHash.value;
      else r.note(certHash.line, 'ignored', `[${name}] cert_hash is not 64 hex digits (a SHA-256): ignored, as BUTT does`);
    }
    set(r.str(name, 'custom_listener_url'), (v) => (server.customListenerUrl = v));
    set(r.str(name, 'custom_listener_mount'), (v) => (server.customListenerMount = v));
    servers.push(server);
  }
  s.stream.servers = servers;
  const selected = r.take('main', 'server');
  const chosen = servers.find((server) => server.name === selected?.value);
  if (selected && !chosen) r.note(selected.line, 'ignored', `[main] server = ${selected.value} is not in srv_ent: the first server is selected, as in BUTT`);
  s.stream.selectedServer = chosen?.name ?? servers[0]?.name ?? null;
  for (const server of servers) {
    const where = server.type === 'icecast' ? `${server.address}:${server.port}/${server.mount}` : `${server.address}:${server.port}`;
    imported.push(`server "${server.name}" (${server.type}, ${where}${server.passwordRef ? ', password to the secret store' : ''})`);
  }
}

function importStreamInfos(r: Reader, s: Settings, imported: string[]): void {
  const list = nameList(r, 'icy_ent');
  const declared = r.int('main', 'num_of_icy', 0);
  if (declared !== undefined && declared !== list.names.length) {
    r.note(list.line, 'notice', `[main] num_of_icy = ${declared} but icy_ent lists ${list.names.length}: the list wins`);
  }
  const infos: StreamInfo[] = [];
  for (const name of list.names) {
    if (!r.has(name)) {
      r.note(list.line, 'ignored', `stream info "${name}" is listed in icy_ent but has no [${name}] section: skipped`);
      continue;
    }
    const info: StreamInfo = { name, public: false, description: '', genre: '', url: '', irc: '', icq: '', aim: '', expandVariables: false, extra: {} };
    const pub = r.take(name, 'pub');
    if (pub) {
      if (pub.value === '0' || pub.value === '1') info.public = pub.value === '1';
      else r.note(pub.line, 'ignored', `[${name}] pub = ${pub.value} is neither 0 nor 1: not public`);
    }
    set(r.str(name, 'description'), (v) => (info.description = v));
    set(r.str(name, 'genre'), (v) => (info.genre = v));
    set(r.str(name, 'url'), (v) => (info.url = v));
    set(r.str(name, 'irc'), (v) => (info.irc = v));
    set(r.str(name, 'icq'), (v) => (info.icq = v));
    set(r.str(name, 'aim'), (v) => (info.aim = v));
    set(r.bool(name, 'expand_variables'), (v) => (info.expandVariables = v));
    infos.push(info);
    imported.push(`stream info "${name}"`);
  }
  s.stream.streamInfos = infos;
  const selected = r.take('main', 'icy');
  const chosen = infos.find((info) => info.name === selected?.value);
  if (selected && !chosen) r.note(selected.line, 'ignored', `[main] icy = ${selected.value} is not in icy_ent: the first stream info is selected`);
  s.stream.selectedStreamInfo = chosen?.name ?? infos[0]?.name ?? null;
}

/** BUTT's one bitrate applies to whichever codec is chosen: give it to every codec that takes it. */
function applyBitrate(r: Reader, section: string, sections: CodecSections, activeCodec: string, buttDefault: number): void {
  const entry = r.take(section, 'bitrate');
  // Absent: BUTT's default, for every codec too, so that an export (one bitrate) reads back the same.
  const kbps = r.num(section, 'bitrate', { min: 1, max: 100000, int: true }, entry) ?? buttDefault;
  const fits = {
    mp3: (MP3_BITRATES as readonly number[]).includes(kbps),
    vorbis: kbps >= 32 && kbps <= 500,
    opus: kbps >= 6 && kbps <= 510,
    aac: kbps >= 16 && kbps <= 320,
  };
  if (fits.mp3) sections.mp3.bitrateKbps = kbps as (typeof MP3_BITRATES)[number];
  if (fits.vorbis) sections.vorbis.nominalBitrateKbps = kbps;
  if (fits.opus) sections.opus.bitrateKbps = kbps;
  if (fits.aac) sections.aac.bitrateKbps = kbps;
  if (activeCodec in fits && !fits[activeCodec as keyof typeof fits]) {
    r.note(entry?.line, 'ignored', `[${section}] bitrate = ${kbps} is not a ${activeCodec} bitrate Airtight offers: the codec's default is kept`);
  }
}

function importAudio(r: Reader, s: Settings, imported: string[]): void {
  const a = 'audio';
  const input = s.audio.input;
  set(r.str(a, 'dev_name'), (v) => (input.deviceName = v));
  set(r.int(a, 'samplerate', MIN_SAMPLE_RATE, MAX_SAMPLE_RATE), (v) => (input.sampleRate = v));
  const channels = r.int(a, 'channel', 1, 2);
  set(channels, (v) => (input.channelMap.mono = v === 1));
  set(r.int(a, 'left_ch', 1, 64), (v) => (input.channelMap.left = v - 1));
  set(r.int(a, 'right_ch', 1, 64), (v) => (input.channelMap.right = v - 1));
  // The device numbers (device, device2) and dev_remember stay verbatim: an index only means
  // something on the machine that wrote it. A secondary device exists when device2 >= 0.
  const device2 = Number(r.peek(a, 'device2')?.value ?? -1);
  if (Number.isInteger(device2) && device2 >= 0) {
    const name = r.str(a, 'dev2_name');
    const secondary = { ...(name === undefined ? {} : { deviceName: name }), sampleRate: input.sampleRate, channelMap: { left: 0, right: 1, mono: false } };
    set(r.int(a, 'left_ch2', 1, 64), (v) => (secondary.channelMap.left = v - 1));
    set(r.int(a, 'right_ch2', 1, 64), (v) => (secondary.channelMap.right = v - 1));
    input.secondary = secondary;
  }
  const codecEntry = r.take(a, 'codec');
  if (codecEntry) {
    const codec = BUTT_STREAM_CODECS[codecEntry.value];
    if (codec) s.stream.codec = codec;
    else r.note(codecEntry.line, 'ignored', `[audio] codec = ${codecEntry.value} is not one of ${Object.keys(BUTT_STREAM_CODECS).join(', ')}: ${s.stream.codec} used`);
  }
  applyBitrate(r, a, s.audio.streamCodecs, s.stream.codec, 128);
  // Positive numbers meaning -dBFS.
  set(r.num(a, 'signal_level', { min: 0, max: 90 }), (v) => (s.audio.signalDetection.presentLevelDb = -v));
  set(r.num(a, 'silence_level', { min: 0, max: 90 }), (v) => (s.audio.signalDetection.absentLevelDb = -v));
  set(r.int(a, 'buffer_ms', 5, 2000), (v) => (input.bufferMs = v));
  imported.push(`audio: ${input.deviceName ?? 'default device'}, ${input.sampleRate} Hz, stream ${s.stream.codec}`);
}

function importRecord(r: Reader, s: Settings, imported: string[]): void {
  const c = 'record';
  const record = s.audio.record;
  const codecEntry = r.take(c, 'codec');
  if (codecEntry) {
    const codec = BUTT_RECORD_CODECS[codecEntry.value];
    if (codec) record.codec = codec;
    else r.note(codecEntry.line, 'ignored', `[record] codec = ${codecEntry.value} is not one of ${Object.keys(BUTT_RECORD_CODECS).join(', ')}: ${record.codec} used`);
  }
  applyBitrate(r, c, record.codecs, record.codec, 192);
  const auto = s.recordAutomation;
  set(r.bool(c, 'start_rec'), (v) => (auto.startWithStream = v));
  set(r.bool(c, 'stop_rec'), (v) => (auto.stopWithStream = v));
  set(r.bool(c, 'rec_after_launch'), (v) => (auto.startAtLaunch = v));
  set(r.bool(c, 'overwrite_files'), (v) => (record.existingFile = v ? 'overwrite' : 'new-index'));
  set(r.bool(c, 'sync_to_hour'), (v) => (record.syncToHour = v));
  set(r.num(c, 'split_time', { min: 0, max: 525600 }), (v) => (record.splitMinutes = v));
  set(r.str(c, 'filename'), (v) => (record.fileName = v));
  set(r.str(c, 'folder'), (v) => (record.folder = v));
  importDetection(r, c, auto.detection);
  imported.push(`recording: ${record.codec} to ${record.folder}${record.fileName}`);
}

function importDsp(r: Reader, s: Settings, imported: string[]): void {
  const d = 'dsp';
  const { stream, record } = s.audio.dsp;
  const eqStream = r.bool(d, 'equalizer');
  set(eqStream, (v) => (stream.eq.enabled = v));
  // BUTT <= 0.1.40 had one switch for both paths.
  set(r.bool(d, 'equalizer_rec') ?? eqStream, (v) => (record.eq.enabled = v));
  set(r.str(d, 'eq_preset'), (v) => (stream.eq.preset = record.eq.preset = v));
  const gains: Array<number | undefined> = [];
  for (let band = 1; band <= EQ_BAND_COUNT; band++) gains.push(r.num(d, `gain${band}`, { min: -EQ_MAX_GAIN_DB, max: EQ_MAX_GAIN_DB }));
  if (gains.some((g) => g !== undefined)) {
    if (gains[EQ_BAND_COUNT - 1] === undefined) {
      r.note(r.doc.sections.get(d)?.line, 'ignored', `[dsp] has no gain10 (a 5-band EQ from an old BUTT): the EQ is reset to flat, as BUTT does`);
    } else {
      const db = gains.map((g) => g ?? 0);
      stream.eq.gainsDb = [...db];
      record.eq.gainsDb = [...db];
    }
  }
  const compStream = r.bool(d, 'compressor');
  set(compStream, (v) => (stream.compressor.enabled = v));
  set(r.bool(d, 'compressor_rec') ?? compStream, (v) => (record.compressor.enabled = v));
  const both = (apply: (c: typeof stream.compressor) => void): void => {
    apply(stream.compressor);
    apply(record.compressor);
  };
  set(r.bool(d, 'aggressive_mode'), (v) => both((c) => (c.aggressive = v)));
  set(r.num(d, 'threshold', { min: -90, max: 0 }), (v) => both((c) => (c.thresholdDb = v)));
  set(r.num(d, 'ratio', { min: 1, max: 100 }), (v) => both((c) => (c.ratio = v)));
  set(r.num(d, 'attack', { min: 0.0001, max: 5 }), (v) => both((c) => (c.attackSeconds = v)));
  set(r.num(d, 'release', { min: 0.001, max: 10 }), (v) => both((c) => (c.releaseSeconds = v)));
  set(r.num(d, 'makeup_gain', { min: 0, max: 48 }), (v) => both((c) => (c.makeupGainDb = v)));
  if (r.has(d)) imported.push(`DSP: EQ ${stream.eq.enabled ? 'on' : 'off'}, compressor ${stream.compressor.enabled ? 'on' : 'off'}`);
}

function importMixer(r: Reader, s: Settings): void {
  const x = 'mixer';
  set(r.gainDb(x, 'streaming_gain'), (v) => (s.audio.dsp.stream.gainDb = v));
  set(r.gainDb(x, 'recording_gain'), (v) => (s.audio.dsp.record.gainDb = v));
  // BUTT's fader runs -1 (primary only) .. +1 (secondary only); Airtight's 0 .. 1.
  set(r.num(x, 'cross_fader', { min: -1, max: 1 }), (v) => (s.audio.input.crossfade = (v + 1) / 2));
}

function importCodecSections(r: Reader, s: Settings): void {
  for (const [path, codecs] of [['stream', s.audio.streamCodecs], ['rec', s.audio.record.codecs]] as const) {
    const mp3 = `mp3_codec_${path}`;
    set(r.code(mp3, 'bitrate_mode', { 0: 'cbr', 1: 'vbr', 2: 'abr' } as const), (v) => (codecs.mp3.mode = v));
    set(r.num(mp3, 'vbr_quality', { min: 0, max: 9 }), (v) => (codecs.mp3.vbrQuality = v));
    set(r.code(`vorbis_codec_${path}`, 'bitrate_mode', { 0: 'bitrate', 1: 'quality' } as const), (v) => (codecs.vorbis.mode = v));
    const opus = `opus_codec_${path}`;
    set(r.code(opus, 'bitrate_mode', { 0: 'cbr', 1: 'vbr', 2: 'cvbr' } as const), (v) => (codecs.opus.mode = v));
    set(r.code(opus, 'audio_type', { 0: 'music', 1: 'speech' } as const), (v) => (codecs.opus.application = v));
    // BUTT streams FLAC in Ogg; it records native FLAC.
    const flac = path === 'stream' ? codecs['ogg-flac'] : codecs.flac;
    set(r.code(`flac_codec_${path}`, 'bit_depth', { 16: 16, 24: 24 } as const), (v) => (flac.bitDepth = v));
  }
  set(r.code('wav_codec_rec', 'bit_depth', { 16: 'int16', 24: 'int24', 32: 'int32' } as const), (v) => (s.audio.record.wav.sampleFormat = v));
}

function importGui(r: Reader, s: Settings): void {
  set(r.bool('gui', 'start_minimized'), (v) => (s.interface.startMinimized = v));
}

function importAes67(r: Reader, s: Settings, imported: string[]): void {
  const x = 'aes67';
  if (!r.has(x)) return;
  const a = s.aes67;
  // Each value goes through the engine's own field rule; a bad one is noted and the default kept.
  const checked = <K extends keyof typeof Aes67SenderSettingsSchema.shape>(field: K, key: string, value: unknown, apply: (v: Aes67Settings[K]) => void): void => {
    if (value === undefined) return;
    const parsed = Aes67SenderSettingsSchema.shape[field].safeParse(value);
    if (parsed.success) apply(parsed.data as Aes67Settings[K]);
    else r.note(r.peek(x, key)?.line, 'ignored', `[${x}] ${key} = ${r.peek(x, key)?.value}: ${parsed.error.issues[0]?.message ?? 'invalid'}, default used`);
  };
  checked('enabled', 'active', r.bool(x, 'active'), (v) => (a.enabled = v));
  checked('address', 'ip', r.str(x, 'ip'), (v) => (a.address = v));
  checked('port', 'port', r.int(x, 'port', 1024, 65535), (v) => (a.port = v));
  checked('ttl', 'ttl', r.int(x, 'ttl', 1, 255), (v) => (a.ttl = v));
  checked('dscp', 'dscp', r.int(x, 'dscp', 0, 63), (v) => (a.dscp = v));
  checked('interface', 'iface', r.str(x, 'iface'), (v) => (a.interface = v));
  checked('loopback', 'loopback', r.bool(x, 'loopback'), (v) => (a.loopback = v));
  checked('ptp', 'ptp', r.bool(x, 'ptp'), (v) => (a.ptp = v));
  checked('sap', 'sap', r.bool(x, 'sap'), (v) => (a.sap = v));
  imported.push(`AES67: ${a.enabled ? 'on' : 'off'}, ${a.address}:${a.port}`);
}

/**
 * BUTT has one codec, one stream-info profile and one reconnect policy for all servers; the
 * stream client wants them on each server entry.
 */
function fillServerEntries(s: Settings): void {
  for (const server of s.stream.servers) {
    server.codec = structuredClone(s.audio.streamCodecs[s.stream.codec]);
    server.streamInfo = s.stream.selectedStreamInfo ?? '';
    server.reconnectDelaySeconds = Math.min(30, Math.max(0.1, s.stream.reconnectDelaySeconds));
    server.forceReconnecting = s.stream.forceReconnecting;
  }
}

/** Every key not used above: verbatim into the server's, stream info's or the global extra. */
function keepTheRest(r: Reader, s: Settings, secrets: Map<string, string>, imported: string[]): void {
  const servers = new Map(s.stream.servers.map((server) => [server.name, server]));
  const infos = new Map(s.stream.streamInfos.map((info) => [info.name, info]));
  const extra: ExtraEntry[] = [];
  for (const section of r.doc.sections.values()) {
    for (const entry of section.entries.values()) {
      if (r.isUsed(section.name, entry.key)) continue;
      const server = servers.get(section.name);
      const info = infos.get(section.name);
      const secret = looksSecret(entry.key) && entry.value !== '';
      if (server && !BUTT_KNOWN_SECTIONS.includes(section.name)) {
        if (secret) {
          const ref = serverTokenRef(server.name, entry.key);
          server.secretRefs[entry.key] = ref;
          secrets.set(ref, entry.value);
        } else server.extra[entry.key] = entry.value;
      } else if (info && !BUTT_KNOWN_SECTIONS.includes(section.name) && !secret) {
        info.extra[entry.key] = entry.value;
      } else if (secret) {
        const ref = extraSecretRef(section.name, entry.key);
        secrets.set(ref, entry.value);
        extra.push({ section: section.name, key: entry.key, secretRef: ref });
      } else extra.push({ section: section.name, key: entry.key, value: entry.value });
    }
  }
  s.compat.butt.extra = extra;
  const kept = extra.length + [...servers.values(), ...infos.values()].reduce((n, x) => n + Object.keys(x.extra).length, 0);
  if (kept > 0) imported.push(`${kept} BUTT keys Airtight does not use, kept for export`);
}
