/**
 * Real BUTT 0.1.37 doing a broadcaster's job with no clicks: capture the default device,
 * stream MP3 to an Icecast server and record MP3 to a folder, from its config alone
 * (`connect_at_startup = 1`, `rec_after_launch = 1`). Used by the engine CPU benchmark to
 * measure BUTT beside Airtight on the same job.
 *
 * The config is BUTT 0.1.37's own default file (/work/shared/fixtures/butt/default-0.1.37.buttrc)
 * with the server, stream and record keys of the job filled in, so nothing is left for BUTT to
 * invent. BUTT runs under an Xvfb display; the caller provides the sound server's environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports';
import { TAG_VAR, isListening, sendTcp, waitFor, within } from './procs';

export interface ButtJob {
  sampleRate: number;
  streamKbps: number;
  recordKbps: number;
  icecast: { port: number; password: string; mount: string };
  recordFolder: string;
}

/** BUTT's config for the job: its 0.1.37 defaults with the job's keys set. */
export function buttJobConfig(job: ButtJob): string {
  const folder = job.recordFolder.endsWith('/') ? job.recordFolder : `${job.recordFolder}/`;
  return `#This is a configuration file for butt (broadcast using this tool)

[main]
server = bench
icy = benchicy
num_of_srv = 1
num_of_icy = 1
srv_ent = bench
icy_ent = benchicy
song_path =
song_update = 0
song_delay = 0
song_prefix = 
song_suffix = 
app_update = 0
app_update_service = 0
app_artist_title_order = 1
read_last_line = 0
log_file =
gain = 1.0
ic_charset =
silence_threshhold = 0
signal_threshhold = 0
check_for_update = 0
start_agent = 0
minimize_to_tray = 0
force_reconnecting = 0
connect_at_startup = 1

[audio]
device = default
samplerate = ${job.sampleRate}
bitrate = ${job.streamKbps}
channel = 2
codec = mp3
resample_mode = 1
silence_level = 50.0
signal_level = 50.0
disable_dithering = 0
buffer_ms = 50

[record]
samplerate = ${job.sampleRate}
bitrate = ${job.recordKbps}
channel = 2
codec = mp3
start_rec = 0
stop_rec = 0
rec_after_launch = 1
sync_to_hour = 0
split_time = 0
filename = rec_%Y%m%d-%H%M%S.mp3
silence_threshhold = 0
signal_threshhold = 0
folder = ${folder}

[tls]
cert_file =
cert_dir =

[dsp]
equalizer = 0
eq_preset = Manual
gain1 = 0.0
gain2 = 0.0
gain3 = 0.0
gain4 = 0.0
gain5 = 0.0
gain6 = 0.0
gain7 = 0.0
gain8 = 0.0
gain9 = 0.0
gain10 = 0.0
compressor = 0
aggressive_mode = 0
threshold = -20.0
ratio = 5
attack = 0.01
release = 1.0
makeup_gain = 0.0

[gui]
attach = 0
ontop = 0
hide_log_window = 0
remember_pos = 0
lcd_auto = 0
start_minimized = 0
disable_gain_slider = 0
show_listeners = 1
lang_str = system

[bench]
address = 127.0.0.1
port = ${job.icecast.port}
password = ${job.icecast.password}
type = 1
tls = 0
mount = ${job.icecast.mount.replace(/^\//, '')}
usr = source

[benchicy]
pub = 0
description = Airtight engine CPU benchmark
genre = test
url = http://example.invalid
irc =
icq =
aim =

[mp3_codec_stream]
enc_quality = 3
stereo_mode = 0
bitrate_mode = 0
vbr_quality = 4
vbr_min_bitrate = 32
vbr_max_bitrate = 320

[mp3_codec_rec]
enc_quality = 3
stereo_mode = 0
bitrate_mode = 0
vbr_quality = 4
vbr_min_bitrate = 32
vbr_max_bitrate = 320
`;
}

export interface RunningButt {
  child: ChildProcess;
  pid: number;
  commandPort: number;
  output(): string;
  /** Command 7 (quit) on the command port, then SIGKILL by pid after `ms`. True when it quit by itself. */
  quit(ms?: number): Promise<boolean>;
}

/**
 * Starts BUTT with the job's config in `dir`; ready = its command port listens (bounded 15 s).
 * Returns why not on failure (after killing it by pid).
 */
export async function startButtJob(job: ButtJob, dir: string, env: NodeJS.ProcessEnv, tag: string): Promise<RunningButt | string> {
  const config = join(dir, 'buttrc');
  writeFileSync(config, buttJobConfig(job));
  const commandPort = await freePort('tcp');
  const child = spawn('butt', ['-c', config, '-p', String(commandPort)], { env: { ...env, [TAG_VAR]: tag }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => (output += `\nspawn error: ${e.message}`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const kill = async (): Promise<void> => {
    if (!gone() && child.pid) process.kill(child.pid, 'SIGKILL');
    await within(exited, 3000, undefined);
  };
  const ready = await waitFor(() => isListening(commandPort) || gone(), 15_000, 20);
  if (!ready || gone() || child.pid === undefined) {
    const why = gone() ? `exited early (code ${child.exitCode}, signal ${child.signalCode})` : 'no command server within 15 s';
    await kill();
    return `BUTT did not start: ${why}; output: ${output.trim().slice(-300)}`;
  }
  return {
    child,
    pid: child.pid,
    commandPort,
    output: () => output,
    async quit(ms = 10_000) {
      if (gone()) return true;
      const header = Buffer.alloc(16);
      header.writeUInt32LE(7, 0); // quit, no parameter
      await sendTcp(commandPort, header);
      const quitByItself = (await within(exited, ms, 'timeout')) !== 'timeout';
      if (!quitByItself) await kill();
      return quitByItself;
    },
  };
}
