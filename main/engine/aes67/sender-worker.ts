/**
 * The pacer thread: sends one RTP packet per packet time on absolute deadlines of the media
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
import { RtpPacketWriter, AES67_RATE, type RtpEncoding } from './rtp';
import { createDscpUdpSocket, type DscpStatus } from './dscp-socket';

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
}

export type SenderWorkerEvent =
  | { type: 'started'; tid: number | null; dscp: DscpStatus; firstTimestamp: number; firstSample: number }
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
  const post = (event: SenderWorkerEvent): void => parentPort!.postMessage(event);
  const control = new Int32Array(job.control);
  const clock = new ClockMappingReader(job.clock);
  const ring = new SharedAudioRing(job.ring);
  const stats = new PacerStats(job.stats);
  const writer = new RtpPacketWriter(
    { payloadType: job.payloadType, ssrc: job.ssrc, firstSequence: job.firstSequence },
    job.encoding,
    job.channels,
    job.framesPerPacket,
  );
  const N = job.framesPerPacket;
  const frames = new Float32Array(N * job.channels);

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

  // Packet k carries samples firstSample + k*N ...; it is complete, hence due, at the time of
  // its last sample + 1 (a capture device could not send it earlier).
  const nowPtp = clock.ptpAt(process.hrtime.bigint());
  const firstSample = Number((nowPtp * RATE) / NS_PER_SAMPLE_NUM);
  const timestampOf = (k: number): number => (firstSample + k * N + job.mediaClockOffset) % 4294967296;
  const dueLocal = (k: number): bigint => {
    const dueSample = BigInt(firstSample + (k + 1) * N);
    return clock.localAt((dueSample * NS_PER_SAMPLE_NUM) / RATE);
  };
  const packetNs = (N * 1e9) / AES67_RATE;
  const spinNs = BigInt(Math.round(job.spinUs * 1000));
  let k = 0;
  let playing = false;

  post({ type: 'started', tid: threadId(), dscp, firstTimestamp: timestampOf(0), firstSample });

  const sendPacket = (latenessNs: number, catchUp: boolean): void => {
    let samples: Float32Array | null = null;
    if (playing && !ring.read(frames, N)) {
      playing = false;
      stats.recordUnderrun();
    }
    if (!playing && ring.fill() >= job.primeFrames) playing = ring.read(frames, N);
    if (playing) samples = frames;
    const packet = writer.write(k, timestampOf(k), samples);
    socket.send(packet, (error) => {
      if (error) stats.recordSendError();
    });
    stats.recordSend(latenessNs, samples === null, catchUp);
    k += 1;
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
