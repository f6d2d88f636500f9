/**
 * The sender worker. Two pacers, chosen at start (see native/README.md):
 *  - native: this thread starts the native pacing thread (native/rtp-pacer), which sleeps with
 *    clock_nanosleep to each deadline, reads the shared audio ring, encodes and sends; this
 *    thread then only waits for the stop flag and joins it.
 *  - javascript (fallback, below): this thread paces and sends itself.
 *
 * The JavaScript pacer: sends one RTP packet per packet time on absolute deadlines of the media
 * clock (never Date.now, never a relative interval that drifts). It sleeps with Atomics.wait
 * until shortly before the deadline, spins the last `spinUs`, then sends. When late it sends
 * what is due back to back (bounded catch-up); beyond `maxCatchUpPackets` it resyncs to the
 * clock and counts it. The audio comes from a shared ring; an empty ring sends silence with
 * continuous timestamps. Stop: the engine sets the stop flag and notifies, which wakes the
 * wait at once.
 */
import { parentPort, workerData, isMainThread } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import { ClockMappingReader } from './media-clock';
import { SharedAudioRing } from './audio-ring';
import { PacerStats } from './pacer-stats';
import { RtpPacketWriter, AES67_RATE, bytesPerSample, type RtpEncoding } from './rtp';
import { createDscpUdpSocket, type DscpStatus } from './dscp-socket';
import { loadRtpPacer } from '../../../native/rtp-pacer';

export type PacerKind = 'native' | 'javascript';
/** 'auto': native when the addon loads and starts, else JavaScript. */
export type PacerChoice = PacerKind | 'auto';

export interface PacerInUse {
  kind: PacerKind;
  /** Why this pacer runs (the fallback reason when native was wanted). */
  reason: string;
  /** Native only: whether SCHED_FIFO was granted, and why not. */
  realtime: { granted: boolean; reason: string } | null;
}

export interface SenderJob {
  ring: SharedArrayBuffer;
  clock: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  /** Int32 [0]: 1 = stop. */
  control: SharedArrayBuffer;
  group: string;
  port: number;
  ttl: number;
  /** IPv4 address of the outgoing interface. */
  interfaceAddress: string;
  loopback: boolean;
  dscp: number;
  encoding: RtpEncoding;
  channels: number;
  framesPerPacket: number;
  payloadType: number;
  ssrc: number;
  firstSequence: number;
  mediaClockOffset: number;
  /** Ring fill (frames) to reach before audio plays, again after every underrun. */
  primeFrames: number;
  maxCatchUpPackets: number;
  spinUs: number;
  pacer: PacerChoice;
  /** Native pacer: try SCHED_FIFO at this priority (0 = do not try). */
  realtimePriority: number;
}

export type SenderWorkerEvent =
  | {
      type: 'started';
      /** OS thread id of the thread that paces (native thread or this worker). */
      tid: number | null;
      /** OS thread id of this worker (the producer when the native pacer runs). */
      workerTid: number | null;
      pacer: PacerInUse;
      dscp: DscpStatus;
      firstTimestamp: number;
      firstSample: number;
    }
  | { type: 'native-joined'; joined: boolean; ms: number }
  | { type: 'rtp-closed' }
  | { type: 'error'; message: string };

export const STOP_FLAG = 0;

const NS_PER_SAMPLE_NUM = 1_000_000_000n;
const RATE = BigInt(AES67_RATE);

/** The OS thread id, so a benchmark can read this thread's CPU time in /proc. */
function threadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

async function run(job: SenderJob): Promise<void> {
  const clock = new ClockMappingReader(job.clock);
  let fallbackReason = 'forced by the settings';
  if (job.pacer !== 'javascript') {
    const native = startNative(job, clock);
    if ('started' in native) return;
    if (job.pacer === 'native') {
      post({ type: 'error', message: `native pacer forced but unavailable: ${native.reason}` });
      parentPort!.close();
      return;
    }
    fallbackReason = native.reason;
  }
  await runJavaScriptPacer(job, clock, fallbackReason);
}

/**
 * Packet k carries samples firstSample + k*N ...; it is complete, hence due, at the time of its
 * last sample + 1 (a capture device could not send it earlier). Taken right before pacing
 * starts, so the first deadline is at most one packet away.
 */
function firstSampleNow(clock: ClockMappingReader): number {
  return Number((clock.ptpAt(process.hrtime.bigint()) * RATE) / NS_PER_SAMPLE_NUM);
}

const post = (event: SenderWorkerEvent): void => parentPort!.postMessage(event);

interface AudioSource {
  /** The next packet's frames, or null for silence (counts underruns, waits for the prime fill). */
  next(): Float32Array | null;
}

/** The JavaScript pacer's audio: the same rule as rtp_pacer.c fill_payload(). */
function audioSource(job: SenderJob, ring: SharedAudioRing, stats: PacerStats): AudioSource {
  const frames = new Float32Array(job.framesPerPacket * job.channels);
  let playing = false;
  return {
    next() {
      if (playing && !ring.read(frames, job.framesPerPacket)) {
        playing = false;
        stats.recordUnderrun();
      }
      if (!playing && ring.fill() >= job.primeFrames) playing = ring.read(frames, job.framesPerPacket);
      return playing ? frames : null;
    },
  };
}

/**
 * Native pacer: the addon's thread does everything between the audio ring and the socket.
 * This thread checks the stop flag every 50 ms (a stop's notify wakes it at once), then joins.
 */
function startNative(job: SenderJob, clock: ClockMappingReader): { started: true } | { reason: string } {
  const loaded = loadRtpPacer();
  if ('reason' in loaded) return loaded;
  const firstSample = firstSampleNow(clock);
  const firstTimestamp = (firstSample + job.mediaClockOffset) % 4294967296;
  const started = loaded.addon.start({
    ring: new Uint8Array(job.ring),
    clock: new Uint8Array(job.clock),
    stats: new Uint8Array(job.stats),
    group: job.group,
    port: job.port,
    ttl: job.ttl,
    interfaceAddress: job.interfaceAddress,
    loopback: job.loopback,
    dscp: job.dscp,
    payloadType: job.payloadType,
    ssrc: job.ssrc,
    firstSequence: job.firstSequence,
    firstTimestamp,
    firstSample,
    framesPerPacket: job.framesPerPacket,
    bytesPerSample: bytesPerSample(job.encoding),
    primeFrames: job.primeFrames,
    maxCatchUpPackets: job.maxCatchUpPackets,
    realtime: job.realtimePriority > 0,
    realtimePriority: job.realtimePriority,
  });
  if ('error' in started) return { reason: `the native pacer did not start: ${started.error}` };
  const control = new Int32Array(job.control);
  const why = job.pacer === 'native' ? 'forced by the settings' : `addon ${loaded.path}`;
  post({
    type: 'started',
    tid: started.tid,
    workerTid: threadId(),
    pacer: { kind: 'native', reason: why, realtime: started.realtime },
    dscp: started.dscp,
    firstTimestamp,
    firstSample,
  });
  const waitForStop = (): void => {
    if (Atomics.load(control, STOP_FLAG) !== 1) {
      Atomics.wait(control, STOP_FLAG, 0, 50);
      setImmediate(waitForStop); // through the event loop, so the 'stop' message is seen too
      return;
    }
    const { joined, ms } = loaded.addon.stop(started.pacer, 1000);
    post({ type: 'native-joined', joined, ms });
    if (joined) post({ type: 'rtp-closed' }); // the addon closes the socket after the join
    parentPort!.close();
  };
  parentPort!.on('message', (message: { type?: string }) => {
    if (message?.type === 'stop') Atomics.store(control, STOP_FLAG, 1);
  });
  setImmediate(waitForStop);
  return { started: true };
}

async function runJavaScriptPacer(job: SenderJob, clock: ClockMappingReader, reason: string): Promise<void> {
  const ring = new SharedAudioRing(job.ring);
  const stats = new PacerStats(job.stats);
  const control = new Int32Array(job.control);
  const writer = new RtpPacketWriter(
    { payloadType: job.payloadType, ssrc: job.ssrc, firstSequence: job.firstSequence },
    job.encoding,
    job.channels,
    job.framesPerPacket,
  );
  const N = job.framesPerPacket;
  const source = audioSource(job, ring, stats);

  const { socket, dscp } = await createDscpUdpSocket(job.dscp);
  let socketClosed = false;
  const closeSocket = (): Promise<void> =>
    new Promise((resolve) => {
      if (socketClosed) return resolve();
      socketClosed = true;
      socket.close(() => resolve());
    });
  try {
    socket.setMulticastTTL(job.ttl);
    socket.setMulticastLoopback(job.loopback);
    socket.setMulticastInterface(job.interfaceAddress);
    // Connected: each send skips the address lookup dgram does otherwise.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(job.port, job.group, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await closeSocket();
    post({ type: 'error', message: `multicast setup on ${job.interfaceAddress} failed: ${String(error)}` });
    return;
  }
  socket.on('error', () => stats.recordSendError());

  const firstSample = firstSampleNow(clock);
  const timestampOf = (k: number): number => (firstSample + k * N + job.mediaClockOffset) % 4294967296;
  const dueLocal = (k: number): bigint => {
    const dueSample = BigInt(firstSample + (k + 1) * N);
    return clock.localAt((dueSample * NS_PER_SAMPLE_NUM) / RATE);
  };
  const packetNs = (N * 1e9) / AES67_RATE;
  const spinNs = BigInt(Math.round(job.spinUs * 1000));
  let k = 0;
  let sent = 0; // sequence index: continuous across resyncs, marker on the first packet only

  const tid = threadId();
  const pacer: PacerInUse = { kind: 'javascript', reason, realtime: null };
  post({ type: 'started', tid, workerTid: tid, pacer, dscp, firstTimestamp: timestampOf(0), firstSample });

  const sendPacket = (latenessNs: number, catchUp: boolean): void => {
    const samples = source.next();
    const packet = writer.write(sent, timestampOf(k), samples);
    socket.send(packet, (error) => {
      if (error) stats.recordSendError();
    });
    stats.recordSend(latenessNs, samples === null, catchUp);
    k += 1;
    sent += 1;
  };

  const finish = async (): Promise<void> => {
    await closeSocket();
    post({ type: 'rtp-closed' });
    parentPort!.close();
  };

  const tick = (): void => {
    if (Atomics.load(control, STOP_FLAG) === 1) return void finish();
    let due = dueLocal(k);
    let now = process.hrtime.bigint();
    const ahead = Number(due - now);
    if (ahead > job.maxCatchUpPackets * packetNs) {
      // The media clock stepped back (the follower's first lock: free-run guessed TAI, the
      // grandmaster runs ARB): follow it, so RTP timestamp - PTP time stays constant.
      const back = Math.floor(ahead / packetNs);
      k -= back;
      stats.recordResync(back);
      due = dueLocal(k);
    }
    if (now < due) {
      const sleepNs = due - now - spinNs;
      if (sleepNs > 0n) Atomics.wait(control, STOP_FLAG, 0, Number(sleepNs) / 1e6);
      if (Atomics.load(control, STOP_FLAG) === 1) return void finish();
      // The last stretch spins: a wait wakes up to ~0.1 ms late; the spin is bounded by spinUs.
      while ((now = process.hrtime.bigint()) < due);
    }
    let late = Number(now - due);
    if (late > job.maxCatchUpPackets * packetNs) {
      // Too far behind to catch up: skip to the packet due now, drop the audio it would have carried.
      const skip = Math.floor(late / packetNs);
      k += skip;
      ring.discard(skip * N);
      stats.recordResync(skip);
      due = dueLocal(k);
      late = Math.max(0, Number(now - due));
    }
    sendPacket(late, false);
    // Bounded catch-up: send the packets already due now, at most maxCatchUpPackets.
    for (let i = 0; i < job.maxCatchUpPackets; i++) {
      now = process.hrtime.bigint();
      due = dueLocal(k);
      if (now < due) break;
      sendPacket(Number(now - due), true);
    }
    // Yield to the event loop between packets: send callbacks and the stop message run here.
    setImmediate(tick);
  };

  parentPort!.on('message', (message: { type?: string }) => {
    if (message?.type === 'stop') {
      Atomics.store(control, STOP_FLAG, 1);
    }
  });
  setImmediate(tick);
}

if (!isMainThread && parentPort && workerData) {
  run(workerData as SenderJob).catch((error: unknown) => {
    parentPort!.postMessage({ type: 'error', message: String(error) } satisfies SenderWorkerEvent);
    parentPort!.close();
  });
}
