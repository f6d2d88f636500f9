/**
 * The whole app's AES67 output in a network-namespace lab (root only; skipped with the reason
 * elsewhere): the built headless Airtight runs in host `tx` with AES67 enabled in its
 * settings.json, beside a ptp4l slave (we share 319/320 with it); ptp4l grandmaster 1 runs in
 * `gm`; the receivers, the capture and later a better grandmaster 2 run in `rx`.
 *
 *   start -> lock -> SAP announces (tshark's SAP dissector is the listener) -> ffmpeg decodes
 *   10 s from the announced SDP -> grandmaster 2 (priority1 50) -> relock + new SDP version ->
 *   quit (deletion x3, no socket left) -> immediate restart on the same data dir: same
 *   session id, binds cleanly beside ptp4l -> quit.
 *
 * What "RTP timestamp minus PTP time" compares here (see the test of that name): every
 * namespace shares one kernel clock, and ptp4l with software timestamps announces the ARB
 * timescale (PTP_TIMESCALE clear, checked on the wire), so the grandmaster's PTP time IS
 * CLOCK_REALTIME. tshark's capture timestamp of a packet arriving in `rx` is CLOCK_REALTIME
 * taken by the kernel, so `capture time x 48000 - RTP timestamp` is the packet's lateness
 * (pacer lateness + veth transit, one-sided) plus the follower's clock error. Its per-second
 * minimum strips the lateness down to the best packet of each second; what remains is the
 * follower error plus the best-case send path. (A tshark check cannot see the sender's own
 * notion of PTP time; the wire against the grandmaster's time is the stronger check.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { exited } from '../helpers/ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetnsLab, netnsLabSkipReason, type LabHost, type NetnsLab } from '../helpers/netns-lab';
import { lastReport, startAirtight, type ExitInfo, type RunningAirtight } from '../helpers/airtight-process';
import { LineLog, grandmasterRole, startPtp4l } from './ptp/ptp-lab';
import { readWav, toneGlitch } from './wav-tone';

const skipReason = netnsLabSkipReason() ?? (spawnSync('ptp4l', ['-v']).status === 0 ? null : 'ptp4l (linuxptp) is not installed');
if (skipReason) console.log(`[aes67 whole app] skipped: ${skipReason}`);

const SAP_INTERVAL_S = 4;
const AES67_PORTS = [319, 320, 9875, 5004];

/** One SAP packet as tshark's SAP and SDP dissectors read it, with the SDP text. */
interface SapSeen {
  /** Capture time, epoch seconds (splits run 1 from run 2: the listener's output comes in bursts). */
  at: number;
  kind: 'announce' | 'delete';
  hash: number;
  sessionId: string;
  version: number;
  sdp: string;
}

function parseSapLine(line: string): SapSeen | null {
  const [time, type, hash, sessionId, version, payload] = line.split('\t');
  if (!time || !payload || !sessionId) return null;
  const bytes = Buffer.from(payload.replace(/:/g, ''), 'hex');
  const marker = bytes.indexOf('application/sdp\0', 0, 'latin1');
  if (marker < 0) return null;
  return {
    at: Number(time),
    kind: type === '1' ? 'delete' : 'announce',
    hash: Number(hash),
    sessionId,
    version: Number(version),
    sdp: bytes.subarray(marker + 16).toString('utf8'),
  };
}

function gmOfSdp(sdp: string): string | null {
  return /a=ts-refclk:ptp=IEEE1588-2008:([0-9A-F-]+):/.exec(sdp)?.[1] ?? null;
}

/** UDP sockets on the AES67/PTP ports in a namespace, with the pids that own them (ss -uanp). */
async function aes67Sockets(host: LabHost): Promise<{ port: number; pids: number[] }[]> {
  const ss = await host.run('ss', ['-uanpH']);
  return ss.stdout
    .split('\n')
    .map((line) => {
      const local = line.trim().split(/\s+/)[3] ?? '';
      const port = Number(local.slice(local.lastIndexOf(':') + 1));
      return { port, pids: [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])) };
    })
    .filter((s) => AES67_PORTS.includes(s.port));
}

async function quit(app: RunningAirtight): Promise<ExitInfo> {
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
  const exit = await app.exited;
  clearTimeout(timer);
  return exit;
}

describe.skipIf(skipReason !== null)('AES67 output of the whole app in a namespace lab with ptp4l grandmasters', () => {
  let lab: NetnsLab;
  let dir = '';
  let gmHost: LabHost;
  let rxHost: LabHost;
  let txHost: LabHost;
  let sap: LineLog<SapSeen | null>;
  let slavePid = 0;
  /** Every app started, so afterAll ends them even when a step before their quit failed. */
  const apps: RunningAirtight[] = [];
  const r = {
    gm1: '',
    gm2: '',
    /** performance.now() of: grandmaster 1 ready, app 1 started, app 1 locked. */
    gmReadyAt: 0,
    app1StartedAt: 0,
    app1LockedAt: 0,
    /** Date.now() of the lock and of grandmaster 2's start: the window of the timestamp check. */
    app1LockedEpochMs: 0,
    gm2EpochMs: 0,
    app1Output: '',
    app1Exit: null as ExitInfo | null,
    app1Report: null as ReturnType<typeof lastReport> | null,
    socketsAfterQuit1: [] as { port: number; pids: number[] }[],
    app1SdpFile: '',
    announcedSdp: '',
    ffmpegCode: null as number | null,
    ffmpegLog: '',
    gm2At: 0,
    app2Output: '',
    app2Exit: null as ExitInfo | null,
    socketsAfterQuit2: [] as { port: number; pids: number[] }[],
    quit1At: 0,
    restart2At: 0,
    restart2EpochMs: 0,
    quit1EpochMs: 0,
    rtp: [] as { ssrc: string; seq: number; ts: number; sec: bigint; nsec: bigint }[],
    gmTimescale: [] as string[],
  };

  beforeAll(async () => {
    const made = await createNetnsLab({ hosts: 3 });
    if ('skip' in made) throw new Error(made.skip);
    lab = made;
    [gmHost, rxHost, txHost] = lab.hosts as [LabHost, LabHost, LabHost];
    dir = mkdtempSync(join(tmpdir(), 'aes67-app-lab-'));
    const pcap = join(dir, 'capture.pcapng');

    // The capture starts first, so the first packet and the first announcement are in it.
    const tshark = rxHost.spawn('tshark', ['-q', '-i', 'eth0', '-f', 'udp port 5004 or udp port 9875 or udp port 320', '-w', pcap]);
    let tsharkLog = '';
    tshark.stderr!.setEncoding('utf8').on('data', (d: string) => (tsharkLog += d));
    // The SAP listener: tshark's own SAP and SDP dissectors, live.
    const listener = rxHost.spawn('tshark', [
      '-l', '-n', '-i', 'eth0', '-f', 'udp port 9875', '-Y', 'sap', '-T', 'fields',
      '-e', 'frame.time_epoch', '-e', 'sap.flags.t', '-e', 'sap.message_identifier_hash', '-e', 'sdp.owner.sessionid', '-e', 'sdp.owner.version', '-e', 'udp.payload',
    ]);
    sap = new LineLog(listener, parseSapLine);
    for (let i = 0; i < 100 && !tsharkLog.includes('Capturing on'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(tsharkLog).toContain('Capturing on');

    // A ptp4l slave on Airtight's host (free_running: it never steers the shared clock).
    const slave = startPtp4l(txHost, dir, 'tx-slave', { role: 'slave' });
    slavePid = slave.child.pid!;
    const gm1 = startPtp4l(gmHost, dir, 'gm1', { role: 'master', priority1: 100 });
    const role = await grandmasterRole(gm1.log, 20_000);
    r.gm1 = role.id;
    r.gmReadyAt = role.at;

    const dataDir = join(dir, 'data');
    spawnSync('mkdir', ['-p', dataDir]);
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({
        version: 1,
        audio: { input: { source: 'tone', sampleRate: 48_000 } },
        aes67: { enabled: true, interface: 'eth0', ptp: true, sap: true, sapIntervalSeconds: SAP_INTERVAL_S, streamName: 'Airtight whole app' },
      }),
    );

    // Run 1.
    const app1 = await startAirtight({ dataDir, netns: txHost.ns });
    apps.push(app1);
    await app1.waitForOutput(/AES67 output running/, 20_000);
    r.app1StartedAt = performance.now();
    await app1.waitForOutput(/AES67 clock: locked, grandmaster [0-9A-F-]+/, 25_000);
    r.app1LockedAt = performance.now();
    r.app1LockedEpochMs = Date.now();
    // The SDP comes from the SAP listener: the first announcement that names the grandmaster.
    const announced = await sap.waitFor((s) => s !== null && s.kind === 'announce' && gmOfSdp(s.sdp) === r.gm1, 2 * SAP_INTERVAL_S * 1000 + 2000, 'a SAP announcement naming grandmaster 1');
    r.announcedSdp = announced.value!.sdp;
    const sdpPath = join(dir, 'from-sap.sdp');
    writeFileSync(sdpPath, r.announcedSdp);
    const ffmpeg = rxHost.spawn('ffmpeg', ['-nostdin', '-v', 'warning', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpPath, '-t', '10', '-c:a', 'pcm_s24le', '-y', join(dir, 'ffmpeg.wav')]);
    let ffmpegLog = '';
    ffmpeg.stderr!.setEncoding('utf8').on('data', (d: string) => (ffmpegLog += d));
    ffmpeg.stdout!.resume();
    r.ffmpegCode = await exited(ffmpeg, 25_000);
    r.ffmpegLog = ffmpegLog;

    // A better grandmaster appears.
    const gm2 = startPtp4l(rxHost, dir, 'gm2', { role: 'master', priority1: 50 });
    r.gm2At = performance.now();
    r.gm2EpochMs = Date.now();
    r.gm2 = (await grandmasterRole(gm2.log, 20_000)).id;
    await app1.waitForOutput(new RegExp(`AES67 clock: locked, grandmaster ${r.gm2}`), 30_000);
    await sap.waitFor((s) => s !== null && s.kind === 'announce' && gmOfSdp(s.sdp) === r.gm2, 5000, 'a SAP announcement naming grandmaster 2');

    r.quit1At = performance.now();
    r.quit1EpochMs = Date.now();
    r.app1Exit = await quit(app1);
    r.app1Output = app1.output();
    r.socketsAfterQuit1 = await aes67Sockets(txHost);
    r.app1Report = lastReport(dataDir);
    r.app1SdpFile = readFileSync(join(dataDir, 'aes67-sdp-session.json'), 'utf8');

    // Run 2, at once, on the same data dir, ptp4l still running beside it.
    r.restart2At = performance.now();
    r.restart2EpochMs = Date.now();
    const app2 = await startAirtight({ dataDir, netns: txHost.ns });
    apps.push(app2);
    await app2.waitForOutput(/AES67 output running/, 20_000);
    await app2.waitForOutput(new RegExp(`AES67 clock: locked, grandmaster ${r.gm2}`), 25_000);
    await sap.waitFor((s) => s !== null && s.at * 1000 > r.restart2EpochMs && s.kind === 'announce' && gmOfSdp(s.sdp) === r.gm2, 2 * SAP_INTERVAL_S * 1000 + 2000, 'run 2 to announce grandmaster 2');
    r.app2Exit = await quit(app2);
    r.app2Output = app2.output();
    r.socketsAfterQuit2 = await aes67Sockets(txHost);

    await new Promise((resolve) => setTimeout(resolve, 500));
    tshark.kill('SIGINT');
    await exited(tshark, 10_000);
    listener.kill('SIGINT');
    await exited(listener, 10_000);

    const read = await rxHost.run('tshark', ['-r', pcap, '-d', 'udp.port==5004,rtp', '-Y', 'rtp', '-T', 'fields', '-e', 'rtp.ssrc', '-e', 'rtp.seq', '-e', 'rtp.timestamp', '-e', 'frame.time_epoch'], { timeoutMs: 60_000 });
    expect(read.code, read.stderr).toBe(0);
    r.rtp = read.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ssrc, seq, ts, epoch] = line.split('\t') as [string, string, string, string];
        const [sec, frac = '0'] = epoch.split('.');
        return { ssrc, seq: Number(seq), ts: Number(ts), sec: BigInt(sec!), nsec: BigInt(frac.padEnd(9, '0').slice(0, 9)) };
      });
    const announce = await rxHost.run('tshark', ['-r', pcap, '-Y', 'ptp.v2.messagetype == 0xb', '-T', 'fields', '-e', 'ptp.v2.flags.timescale'], { timeoutMs: 30_000 });
    r.gmTimescale = [...new Set(announce.stdout.trim().split('\n').filter(Boolean))];
    slavePid = slave.child.exitCode === null ? slavePid : 0;
  }, 240_000);

  afterAll(async () => {
    for (const app of apps) if (app.child.exitCode === null && app.child.signalCode === null) await quit(app);
    await lab?.destroy();
    if (dir && !process.env.AIRTIGHT_KEEP_LAB) rmSync(dir, { recursive: true, force: true });
    else if (dir) console.log(`[aes67 whole app] kept ${dir}`);
  });

  const ours = (run: 1 | 2): SapSeen[] => {
    const session = /^o=- (\d+) /m.exec(r.announcedSdp)?.[1];
    return sap.lines.map((l) => l.value!).filter((s) => s.sessionId === session && (run === 1 ? s.at * 1000 < r.restart2EpochMs : s.at * 1000 > r.restart2EpochMs));
  };

  it('locks within 10 s, and ffmpeg decodes 10 s from the SDP announced over SAP: no loss, the 997 Hz tone intact', () => {
    const from = Math.max(r.gmReadyAt, r.app1StartedAt);
    console.log(`[aes67 whole app] locked ${Math.round(r.app1LockedAt - from)} ms after start (grandmaster ready ${Math.round(r.app1StartedAt - r.gmReadyAt)} ms before)`);
    expect(r.app1LockedAt - from).toBeLessThan(10_000);
    expect(gmOfSdp(r.announcedSdp)).toBe(r.gm1);
    // Packets never stop: the media clock steps when the follower first selects a master
    // (free-run guesses TAI; ptp4l -S is ARB, 37 s away), and the pacer must follow the step.
    const run1 = r.rtp.filter((p) => p.ssrc === r.rtp[0]!.ssrc);
    const gaps = run1.slice(1).map((p, i) => Number(p.sec * 1_000_000_000n + p.nsec - (run1[i]!.sec * 1_000_000_000n + run1[i]!.nsec)) / 1e6);
    const worstGap = Math.max(...gaps);
    expect(worstGap, `RTP stopped for ${Math.round(worstGap)} ms after packet ${gaps.indexOf(worstGap)} (${run1.length} packets in run 1)`).toBeLessThan(100);
    const lastMs = Number(run1[run1.length - 1]!.sec * 1000n + run1[run1.length - 1]!.nsec / 1_000_000n);
    expect(r.quit1EpochMs - lastMs, `RTP of run 1 stopped ${Math.round(r.quit1EpochMs - lastMs)} ms before the quit (${run1.length} packets)`).toBeLessThan(200);
    expect(r.ffmpegCode, r.ffmpegLog).toBe(0);
    expect(r.ffmpegLog).not.toMatch(/missed|dropping|late/i);
    const wav = readWav(join(dir, 'ffmpeg.wav'));
    expect(wav).toMatchObject({ channels: 2, rate: 48_000, bits: 24 });
    const tone = toneGlitch(wav.first, 48_000, 997);
    // Where frames went if any are missing: packets lost on the way (sequence gaps) or never
    // sent (timestamp steps other than one packet, 48 samples, with the sequence intact).
    const breaks = run1.slice(1).flatMap((p, i) => {
      const q = run1[i]!;
      const seqStep = (p.seq - q.seq + 65536) % 65536;
      const tsStep = (p.ts - q.ts + 2 ** 32) % 2 ** 32;
      return seqStep === 1 && tsStep === 48 ? [] : [`packet ${i + 1}: seq +${seqStep}, ts +${tsStep}`];
    });
    console.log(`[aes67 whole app] run 1: ${run1.length} packets, ${breaks.length} sequence or timestamp breaks${breaks.length ? ` (${breaks.slice(0, 5).join('; ')})` : ''}; ffmpeg wrote ${wav.frames} frames`);
    expect(wav.frames, `${breaks.length} breaks in run 1 (${breaks.slice(0, 5).join('; ')}); largest tone residual ${tone.maxResidual.toExponential(2)} at frame ${tone.at}`).toBe(480_000);
    expect(tone.analysed).toBeGreaterThan(470_000);
    expect(tone.maxResidual, `glitch at frame ${tone.at}`).toBeLessThan(0.01);
  });

  it('SAP: announce at start and every interval, deletion then a new version on a grandmaster change, deletion x3 on quit', () => {
    const untilQuit = ours(1);
    const seq = untilQuit.map((s) => `${s.kind}:v${s.version}:${gmOfSdp(s.sdp) === r.gm1 ? 'gm1' : gmOfSdp(s.sdp) === r.gm2 ? 'gm2' : 'none'}`);
    console.log(`[aes67 whole app] SAP run 1: ${seq.join(' ')}`);
    // Every version is announced, repeated at the interval, and deleted before the next one.
    const versions = [...new Set(untilQuit.map((s) => s.version))];
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    for (let i = 1; i < untilQuit.length; i++) {
      const [prev, cur] = [untilQuit[i - 1]!, untilQuit[i]!];
      if (cur.version !== prev.version) {
        expect(prev.kind, `${seq[i - 1]} before ${seq[i]}`).toBe('delete');
        expect(cur.version).toBe(prev.version + 1);
      } else if (prev.kind === 'announce' && cur.kind === 'announce') {
        expect(cur.at - prev.at, `repeat interval at ${seq[i]}`).toBeGreaterThan(SAP_INTERVAL_S - 1);
        expect(cur.at - prev.at, `repeat interval at ${seq[i]}`).toBeLessThan(SAP_INTERVAL_S + 1.5);
      }
    }
    const gm1Announces = untilQuit.filter((s) => s.kind === 'announce' && gmOfSdp(s.sdp) === r.gm1);
    expect(gm1Announces.length).toBeGreaterThanOrEqual(3); // 10 s of ffmpeg at a 4 s interval
    const gm2First = untilQuit.findIndex((s) => s.kind === 'announce' && gmOfSdp(s.sdp) === r.gm2);
    expect(untilQuit[gm2First - 1]).toMatchObject({ kind: 'delete' });
    expect(untilQuit.slice(-3).map((s) => s.kind)).toEqual(['delete', 'delete', 'delete']);
    expect(new Set(untilQuit.slice(-3).map((s) => `${s.version}/${s.hash}`)).size).toBe(1);
    // The message id hash changes with the version (RFC 2974: receivers key on it).
    const hashOf = new Map(untilQuit.map((s) => [s.version, s.hash]));
    expect(new Set(hashOf.values()).size).toBe(hashOf.size);
  });

  it('quits cleanly: exit 0, the report names the deletion and the joined threads, no socket on 319/320/9875/5004 but ptp4l\'s', () => {
    expect(r.app1Exit?.code, r.app1Output.slice(-3000)).toBe(0);
    const report = r.app1Report!;
    expect(report.clean).toBe(true);
    const engineStep = JSON.stringify(report);
    expect(engineStep).toMatch(/SAP deletion sent 3 times/);
    expect(engineStep).toMatch(/PTP clock thread/);
    for (const sockets of [r.socketsAfterQuit1, r.socketsAfterQuit2]) {
      expect(sockets.filter((s) => s.port === 319 || s.port === 320).length).toBeGreaterThan(0); // ptp4l's, so the check can fail
      expect(sockets.flatMap((s) => s.pids).every((pid) => pid === slavePid), JSON.stringify(sockets)).toBe(true);
    }
    expect(r.app1Output).not.toMatch(/PTP_PORT_IN_USE|PTP_PORT_PRIVILEGED|AES67_START_FAILED/);
  });

  it('an immediate restart binds cleanly beside ptp4l and announces the same session, its version never going back', () => {
    expect(r.app2Exit?.code, r.app2Output.slice(-3000)).toBe(0);
    expect(r.app2Output).not.toMatch(/PTP_PORT_IN_USE|PTP_PORT_PRIVILEGED|AES67_START_FAILED|AES67_SDP_SESSION/);
    expect(r.app2Output).toMatch(new RegExp(`AES67 clock: locked, grandmaster ${r.gm2} \\(ptp\\)`));
    const run1 = ours(1);
    const last = run1[run1.length - 1]!;
    const run1Version = last.version;
    const run2 = ours(2);
    expect(run2.length).toBeGreaterThan(0); // same session id: receivers see the same stream
    expect(run2[0]!.kind).toBe('announce');
    expect(run2[0]!.version).toBeGreaterThanOrEqual(run1Version);
    const stored = JSON.parse(r.app1SdpFile) as { sessionId: string; version: number; sdp: string };
    expect(stored.version).toBe(run1Version);
    expect(stored.sdp).toBe(last.sdp);
    // The same text keeps its version; a different text has a higher one.
    if (run2[0]!.sdp === stored.sdp) expect(run2[0]!.version).toBe(run1Version);
    else expect(run2[0]!.version).toBe(run1Version + 1);
    expect(run2.slice(-3).map((s) => s.kind)).toEqual(['delete', 'delete', 'delete']);
  });

  it('RTP timestamp minus PTP time x 48000: constant within +-1 sample over run 1 (per-second best packet), within the follower tolerance of the truth', () => {
    // ptp4l -S announces ARB time: PTP time = CLOCK_REALTIME = the capture clock (see the top).
    expect(r.gmTimescale).toEqual(['0']);
    const ssrc = r.rtp[0]!.ssrc;
    const run1 = r.rtp.filter((p) => p.ssrc === ssrc);
    // From 2 s after the lock until grandmaster 2 appeared (a change relocks on another clock).
    const windowFrom = BigInt(r.app1LockedEpochMs + 2000) * 1_000_000n;
    const windowTo = BigInt(r.gm2EpochMs) * 1_000_000n;
    const perSecond = new Map<bigint, number>();
    for (const p of run1) {
      const atNs = p.sec * 1_000_000_000n + p.nsec;
      if (atNs < windowFrom || atNs > windowTo) continue;
      // Capture time in samples (mod 2^32) minus the RTP timestamp, as a signed 32-bit difference.
      const captureSamples = Number(((atNs * 48_000n) / 1_000_000_000n) % 4_294_967_296n);
      const d = ((captureSamples - p.ts + 2 ** 31 + 2 ** 32) % 2 ** 32) - 2 ** 31;
      const second = atNs / 1_000_000_000n;
      perSecond.set(second, Math.min(perSecond.get(second) ?? Infinity, d));
    }
    const minima = [...perSecond.values()];
    console.log(`[aes67 whole app] capture time x 48000 - RTP ts, per-second minimum over ${minima.length} s: ${minima.join(' ')} samples (48 = due time: a packet is complete 1 ms after its first sample)`);
    expect(minima.length).toBeGreaterThanOrEqual(8);
    // A packet is due when its last sample is over: its RTP timestamp is 48 samples before that.
    // The truth is 48; the follower may be off by its tolerance, 200 µs = 9.6 samples.
    const sorted = [...minima].sort((a, b) => a - b);
    expect(Math.abs(sorted[Math.floor(sorted.length / 2)]! - 48)).toBeLessThanOrEqual(10);
    // Constant within +-1 sample: no drift against PTP and no wander of the best-case send.
    expect(sorted[sorted.length - 1]! - sorted[0]!).toBeLessThanOrEqual(2);
  });
});
