/**
 * The AES67 sender in a network-namespace lab (root only; otherwise skipped with the reason):
 * the sender runs in host tx (free-running clock), receivers and the capture in host rx.
 * ffmpeg and GStreamer, each configured from our SDP, decode 10 s with no loss and the 997 Hz
 * tone intact; tshark checks every RTP header field and the SAP sequence; the process owns no
 * UDP socket after stop, and an immediate restart (stopped through the registry) is clean.
 * Runs twice: with the native pacing thread (native/rtp-pacer; skipped with the reason where
 * the addon is not built) and with the JavaScript pacer it falls back to.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import sdpTransform from 'sdp-transform';
import { exited } from '../helpers/ports';
import { createNetnsLab, type LabHost, type NetnsLab } from '../helpers/netns-lab';
import { decodeSap } from '../../main/engine/aes67/sap';
import { readWav, toneGlitch } from './wav-tone';
import { loadRtpPacer } from '../../native/rtp-pacer';

const FIXTURE = join(__dirname, 'fixtures', 'run-sender.ts');
const RUN_MS = 13_000;
/**
 * The fixture feeds the sender from a plain 10 ms timer on this shared, often overloaded
 * 2-core machine. The native pacer consumes on time even then (real-time priority), so a
 * feeder stall longer than the buffer is an underrun (silence, counted) where the JavaScript
 * pacer, starved along with the feeder, would only be late. 100 ms did not cover the stalls
 * seen here at a load average of 16; the product default (40 ms) is the lead's call.
 */
const FEED_BUFFER_MS = 250;
/** Frames the tone check must cover: 10 s less the silence sent until the buffer is primed, less 10 ms. */
const ANALYSED_MIN = 480_000 - FEED_BUFFER_MS * 48 - 480;

/** Names the feeder's longest stall in a failure message (a stall beyond the buffer explains an underrun). */
function feedNote(fixture: FixtureEvent[]): string {
  const stopped = fixture.find((e) => e.event === 'stopped');
  return `longest gap between the fixture's feeds: ${String(stopped?.longestFeedGapMs)} ms (buffer ${FEED_BUFFER_MS} ms)`;
}

interface FixtureEvent {
  event: string;
  [key: string]: unknown;
}

function lines(child: ChildProcess): { events: FixtureEvent[]; waitFor(name: string, ms: number): Promise<FixtureEvent>; stderr: () => string } {
  const events: FixtureEvent[] = [];
  let buffer = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('{')) events.push(JSON.parse(line) as FixtureEvent);
      waiters.splice(0).forEach((w) => w());
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.once('exit', () => waiters.splice(0).forEach((w) => w()));
  return {
    events,
    stderr: () => stderr,
    waitFor: (name, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${name} event within ${ms} ms; stderr: ${stderr}`)), ms);
        const check = (): void => {
          const found = events.find((e) => e.event === name || e.event === 'error');
          if (found) {
            clearTimeout(timer);
            if (found.event === 'error') reject(new Error(String(found.message)));
            else resolve(found);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`sender exited without ${name}; stderr: ${stderr}`));
          } else waiters.push(check);
        };
        check();
      }),
  };
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d));
  return () => text;
}

const nativeAddon = loadRtpPacer();
const PACERS = [
  { kind: 'native' as const, unavailable: 'reason' in nativeAddon ? nativeAddon.reason : '', joinedLabel: 'AES67 pacer thread joined (native pacing thread and its owner worker)' },
  { kind: 'javascript' as const, unavailable: '', joinedLabel: 'AES67 pacer thread joined (JavaScript pacer worker)' },
];

describe.each(PACERS)('AES67 sender in a network-namespace lab, $kind pacer', ({ kind, unavailable, joinedLabel }) => {
  let lab: NetnsLab | null = null;
  let skip = '';
  let dir = '';
  let tx: LabHost;
  let rx: LabHost;
  const result = {
    fixture: [] as FixtureEvent[],
    ffmpegLog: '',
    ffmpegCode: null as number | null,
    gstLog: '',
    gstCode: null as number | null,
    rtp: [] as string[][],
    sap: [] as string[][],
  };

  beforeAll(async () => {
    if (unavailable) {
      skip = unavailable;
      console.log(`AES67 lab tests (${kind} pacer) skipped: ${skip}`);
      return;
    }
    const made = await createNetnsLab({ hosts: 2 });
    if ('skip' in made) {
      skip = made.skip;
      console.log(`AES67 lab tests skipped: ${skip}`);
      return;
    }
    lab = made;
    [tx, rx] = made.hosts as [LabHost, LabHost];
    dir = mkdtempSync(join(tmpdir(), 'aes67-lab-'));
    const pcap = join(dir, 'capture.pcapng');

    // Capture first, so the first packet (the marker) and the first announcement are seen.
    const tshark = rx.spawn('tshark', ['-q', '-i', 'eth0', '-f', 'udp port 5004 or udp port 9875', '-w', pcap]);
    const tsharkLog = collect(tshark);
    for (let i = 0; i < 100 && !tsharkLog().includes('Capturing on'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(tsharkLog()).toContain('Capturing on');

    const sender = tx.spawn(process.execPath, [
      '--import',
      'tsx',
      FIXTURE,
      JSON.stringify({ settings: { interface: 'eth0', streamName: 'Airtight lab' }, runMs: RUN_MS, changeAfterMs: 6000, sapIntervalMs: 4000, pacer: kind, bufferMs: FEED_BUFFER_MS }),
    ]);
    const out = lines(sender);
    const started = await out.waitFor('started', 20_000);
    const sdpPath = join(dir, 'stream.sdp');
    writeFileSync(sdpPath, String(started.sdp));

    // Both receivers are configured from our SDP only.
    const media = sdpTransform.parse(String(started.sdp)).media[0]!;
    const rtpmap = media.rtp[0]!;
    const group = sdpTransform.parse(String(started.sdp)).connection!.ip.split('/')[0]!;
    const ffmpeg = rx.spawn('ffmpeg', ['-nostdin', '-v', 'warning', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpPath, '-t', '10', '-c:a', 'pcm_s24le', '-y', join(dir, 'ffmpeg.wav')]);
    const ffmpegLog = collect(ffmpeg);
    const caps = `application/x-rtp,media=audio,clock-rate=${rtpmap.rate},encoding-name=${rtpmap.codec},channels=${rtpmap.encoding},payload=${rtpmap.payload}`;
    const gst = rx.spawn('gst-launch-1.0', [
      '-q', '-e',
      'udpsrc', `address=${group}`, `port=${media.port}`, 'multicast-iface=eth0', 'num-buffers=10000', `caps=${caps}`,
      '!', 'rtpL24depay', '!', 'audioconvert', '!', 'audio/x-raw,format=S24LE', '!', 'wavenc', '!', 'filesink', `location=${join(dir, 'gst.wav')}`,
    ]);
    const gstLog = collect(gst);

    const code = await exited(sender, RUN_MS + 20_000);
    result.fixture = out.events;
    expect(code, out.stderr()).toBe(0);
    result.ffmpegCode = await exited(ffmpeg, 10_000);
    result.gstCode = await exited(gst, 10_000);
    result.ffmpegLog = ffmpegLog();
    result.gstLog = gstLog();
    await new Promise((r) => setTimeout(r, 300));
    tshark.kill('SIGINT');
    await exited(tshark, 10_000);

    const fields = async (filter: string, names: string[]): Promise<string[][]> => {
      const read = await rx.run('tshark', ['-r', pcap, '-d', 'udp.port==5004,rtp', '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n])]);
      expect(read.code, read.stderr).toBe(0);
      return read.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
    };
    result.rtp = await fields('rtp', ['rtp.ssrc', 'rtp.seq', 'rtp.timestamp', 'rtp.p_type', 'rtp.marker', 'ip.ttl', 'udp.length', 'ip.dsfield.dscp', 'ip.dst', 'udp.dstport']);
    result.sap = await fields('udp.dstport == 9875', ['ip.dst', 'ip.ttl', 'udp.payload']);
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ffmpeg decodes 10 s from our SDP: no lost packet, the 997 Hz tone intact', (ctx) => {
    if (skip) return ctx.skip(skip);
    expect(result.ffmpegCode, result.ffmpegLog).toBe(0);
    expect(result.ffmpegLog).not.toMatch(/missed|dropping|late/i);
    const wav = readWav(join(dir, 'ffmpeg.wav'));
    expect(wav).toMatchObject({ channels: 2, rate: 48_000, bits: 24 });
    expect(wav.frames).toBe(480_000);
    const tone = toneGlitch(wav.first, 48_000, 997);
    expect(tone.analysed).toBeGreaterThan(ANALYSED_MIN);
    expect(tone.maxResidual, `glitch at frame ${tone.at}; ${feedNote(result.fixture)}`).toBeLessThan(0.01);
  });

  it('GStreamer (udpsrc ! rtpL24depay) decodes 10 000 packets from our SDP with the tone intact', (ctx) => {
    if (skip) return ctx.skip(skip);
    expect(result.gstCode, result.gstLog).toBe(0);
    const wav = readWav(join(dir, 'gst.wav'));
    expect(wav).toMatchObject({ channels: 2, rate: 48_000, bits: 24 });
    expect(wav.frames).toBe(480_000); // 10 000 packets x 48 frames: none short or missing
    const tone = toneGlitch(wav.first, 48_000, 997);
    expect(tone.analysed).toBeGreaterThan(ANALYSED_MIN);
    expect(tone.maxResidual, `glitch at frame ${tone.at}; ${feedNote(result.fixture)}`).toBeLessThan(0.01);
  });

  it('tshark: continuous sequence and timestamps, PT 97, 308-byte datagrams, marker first only, TTL 32, DSCP 34', (ctx) => {
    if (skip) return ctx.skip(skip);
    const ssrc = result.rtp[0]![0];
    const first = result.rtp.filter((r) => r[0] === ssrc);
    expect(first.length).toBeGreaterThan(10_000);
    const started = result.fixture.find((e) => e.event === 'started')!;
    expect(Number(first[0]![2])).toBe((started.origin as { firstTimestamp: number }).firstTimestamp);
    first.forEach(([, seq, ts, pt, marker, ttl, udpLength, dscp, dst, port], i) => {
      expect(pt).toBe('97');
      expect(marker).toBe(i === 0 ? '1' : '0');
      expect(ttl).toBe('32');
      expect(udpLength).toBe(String(8 + 12 + 48 * 2 * 3));
      expect(dscp).toBe('34');
      expect(dst).toBe('239.69.1.10');
      expect(port).toBe('5004');
      if (i > 0) {
        const [, prevSeq, prevTs] = first[i - 1]!;
        expect((Number(seq) - Number(prevSeq) + 65536) % 65536, `sequence gap at packet ${i}`).toBe(1);
        expect((Number(ts) - Number(prevTs) + 2 ** 32) % 2 ** 32, `timestamp step at packet ${i}`).toBe(48);
      }
    });
  });

  it('SAP: announce at start and every interval, deletion then new version on a change, deletion x3 on stop', (ctx) => {
    if (skip) return ctx.skip(skip);
    const packets = result.sap.map(([dst, ttl, hex]) => ({ dst, ttl, sap: decodeSap(Buffer.from(hex!.replace(/:/g, ''), 'hex'))! }));
    expect(packets.every((p) => p.dst === '239.255.255.255' && p.ttl === '32' && p.sap !== null)).toBe(true);
    const session = /^o=- (\d+) /m.exec(packets[0]!.sap.sdp)![1];
    const ours = packets.filter((p) => p.sap.sdp.includes(`o=- ${session} `)).map((p) => ({ kind: p.sap.kind, version: Number(/^o=- \d+ (\d+)/m.exec(p.sap.sdp)![1]), hash: p.sap.idHash, name: /^s=(.*)$/m.exec(p.sap.sdp)![1] }));
    const seq = ours.map((p) => `${p.kind}:v${p.version}`);
    // 0 s announce, 4 s repeat, 6 s change (delete v1, announce v2), 10 s repeat, 13 s stop.
    expect(seq).toEqual(['announce:v1', 'announce:v1', 'delete:v1', 'announce:v2', 'announce:v2', 'delete:v2', 'delete:v2', 'delete:v2']);
    expect(ours[0]!.name).toBe('Airtight lab');
    expect(ours[3]!.name).toBe('Airtight renamed');
    expect(new Set(ours.filter((p) => p.version === 1).map((p) => p.hash)).size).toBe(1);
    expect(ours[0]!.hash).not.toBe(ours[3]!.hash);
  });

  it('stops in order with every step confirmed, leaves no UDP socket, and restarts cleanly through the registry', (ctx) => {
    if (skip) return ctx.skip(skip);
    const started = result.fixture.find((e) => e.event === 'started')!;
    const stopped = result.fixture.find((e) => e.event === 'stopped')!;
    const restarted = result.fixture.find((e) => e.event === 'restarted')!;
    expect(started.udpSockets).toHaveLength(2); // RTP + SAP, so the check below can fail
    expect((started.pacer as { kind: string }).kind).toBe(kind);
    const steps = stopped.steps as { step: string; ok: boolean }[];
    expect(steps.map((s) => `${s.step}:${s.ok}`)).toEqual(['announcer-timer:true', 'rtp-sender:true', 'sap-deletion:true', 'pacer-thread:true']);
    const status = stopped.status as { pacer: { resyncs: number; underruns: number; sendErrors: number }; dscp: { set: boolean } };
    const { resyncs, underruns, sendErrors } = status.pacer;
    expect({ resyncs, underruns, sendErrors }, `${JSON.stringify(status.pacer)}; ${feedNote(result.fixture)}`).toEqual({ resyncs: 0, underruns: 0, sendErrors: 0 });
    expect(status.dscp.set).toBe(true);
    expect(stopped.udpSockets).toEqual([]);
    expect(restarted.error).toBeUndefined();
    expect(restarted.running).toHaveLength(2);
    const report = restarted.report as { label: string; outcome: string; stage: string }[];
    expect(report.map((r) => `${r.stage}:${r.outcome}:${r.label}`)).toEqual([
      'aes67:closed:AES67 SAP announce timer',
      'aes67:closed:AES67 RTP sender to 239.69.1.10:5004 (pacer woken, socket closed)',
      'aes67:closed:AES67 SAP deletion sent 3 times, SAP socket closed',
      `workers:closed:${joinedLabel}`,
    ]);
    expect(restarted.udpSockets).toEqual([]);
  });
});
