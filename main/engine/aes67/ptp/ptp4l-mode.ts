/**
 * Clock mode "ptp4l": a linuxptp ptp4l already runs on this machine (it owns 319/320, maybe
 * with hardware timestamps) and we read it through its management socket (/var/run/ptp4l
 * by default), the way `pmc -u` does.
 *
 * Node's dgram has no AF_UNIX datagram sockets, so this uses libc through koffi: a
 * non-blocking SOCK_DGRAM socket bound to a temporary path (ptp4l replies to the sender's
 * address), polled from a timer so the thread's event loop stays free for `stop`.
 *
 * Mapping: TIME_STATUS_NP gives master_offset = ptp4l's clock - master time. We assume
 * ptp4l's clock is (or is kept equal to, by phc2sys) CLOCK_REALTIME, and that CLOCK_REALTIME
 * is UTC when the master's timescale is PTP (ptp4l/phc2sys subtract the UTC offset then), so
 *   PTP = CLOCK_REALTIME - master_offset + (ptpTimescale ? currentUtcOffset s : 0).
 * State: locked while a grandmaster is present and |master_offset| < 1 ms; locking while
 * present but further off; free-run when ptp4l does not answer or has no grandmaster.
 */
import koffi from 'koffi';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appError, type AppError } from '../../../shared/errors';
import { encodeManagementGet, ManagementId, parseManagementResponse, type TimeProperties, type TimeStatusNp } from './ptp4l-management';
import { SharedClockReader, SharedClockWriter, type ClockState } from './shared-clock';
import type { ClockWorkerData, ClockWorkerEvent } from './ptp-worker-protocol';
import type { ClockMapping } from './offset-estimator';
import { guardLibrary } from '../../../../native/native-call-guard';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const MSG_DONTWAIT = 0x40;
const CLOCK_REALTIME = 0;
const LOCKED_OFFSET_NS = 1_000_000n;

interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  bind: (fd: number, addr: Buffer, len: number) => number;
  sendto: (fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, alen: number) => number;
  recv: (fd: number, buf: Buffer, len: number, flags: number) => number;
  close: (fd: number) => number;
  unlink: (path: string) => number;
  clock_gettime: (clock: number, ts: Buffer) => number;
}

let libc: Libc | null = null;
function loadLibc(): Libc {
  if (libc) return libc;
  const lib = guardLibrary(koffi.load('libc.so.6')); // this runs in the PTP thread: see ptp-worker.ts
  libc = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    sendto: lib.func('intptr_t sendto(int, const void *, uintptr_t, int, const void *, uint32_t)'),
    recv: lib.func('intptr_t recv(int, _Out_ void *, uintptr_t, int)'),
    close: lib.func('int close(int)'),
    unlink: lib.func('int unlink(const char *)'),
    clock_gettime: lib.func('int clock_gettime(int, _Out_ void *)'),
  } as Libc;
  return libc;
}

function sockaddrUn(path: string): Buffer {
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2, 'utf8');
  return addr;
}

/** CLOCK_REALTIME (ns) paired with the monotonic time it was read at. */
export function realtimeAt(): { realtimeNs: bigint; localNs: bigint } {
  const c = loadLibc();
  const ts = Buffer.alloc(16);
  const before = process.hrtime.bigint();
  c.clock_gettime(CLOCK_REALTIME, ts);
  const after = process.hrtime.bigint();
  return { realtimeNs: ts.readBigInt64LE(0) * 1_000_000_000n + ts.readBigInt64LE(8), localNs: (before + after) / 2n };
}

export interface Ptp4lHandle {
  close(): Promise<void>;
  snapshot(): Record<string, unknown>;
}

type Post = (event: ClockWorkerEvent) => void;

export async function runPtp4lMode(config: Extract<ClockWorkerData, { mode: 'ptp4l' }>, post: Post): Promise<Ptp4lHandle | null> {
  let c: Libc;
  try {
    c = loadLibc();
  } catch (error) {
    post({ type: 'start-failed', error: appError('PTP4L_UNAVAILABLE', 'The ptp4l clock mode needs libc through koffi, which failed to load.', String(error)) });
    return null;
  }
  const fd = c.socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) {
    post({ type: 'start-failed', error: appError('PTP4L_UNAVAILABLE', `ptp4l mode: socket() failed (errno ${koffi.errno()}).`) });
    return null;
  }
  const ownPath = join(tmpdir(), `airtight-pmc-${process.pid}-${randomBytes(4).toString('hex')}`);
  const own = sockaddrUn(ownPath);
  if (c.bind(fd, own, 2 + Buffer.byteLength(ownPath) + 1) !== 0) {
    const errno = koffi.errno();
    c.close(fd);
    post({ type: 'start-failed', error: appError('PTP4L_UNAVAILABLE', `ptp4l mode: could not bind ${ownPath} (errno ${errno}).`) });
    return null;
  }
  const target = sockaddrUn(config.socketPath);
  const targetLen = 2 + Buffer.byteLength(config.socketPath) + 1;
  const writer = new SharedClockWriter(config.sab, config.senderMapping);
  let mapping: ClockMapping = new SharedClockReader(config.sab).read().mapping;
  let state: ClockState = 'free-run';
  let grandmaster: string | null = null;
  let sequence = 0;
  let properties: TimeProperties | null = null;
  let lastStatus: TimeStatusNp | null = null;
  let lastError: AppError | null = null;
  let answered = 0;
  let warned: string | null = null;
  const sourcePortIdentity = { clockIdentity: randomBytes(8).toString('hex'), portNumber: process.pid & 0xffff };

  const setState = (next: ClockState, reason: string): void => {
    if (next === state) return;
    state = next;
    writer.write({ mapping, state, grandmaster });
    post({ type: 'state', state, reason });
  };
  const setGrandmaster = (id: string | null): void => {
    if (id === grandmaster) return;
    const previous = grandmaster;
    grandmaster = id;
    writer.write({ mapping, state, grandmaster });
    post({ type: 'grandmaster', id, previous });
  };

  /** Sends one GET and waits (polling, non-blocking) up to timeoutMs for its answer. */
  const get = async (managementId: number, timeoutMs: number) => {
    sequence = (sequence + 1) & 0xffff;
    const request = Buffer.from(encodeManagementGet({ domainNumber: config.domainNumber, sourcePortIdentity, sequenceId: sequence, managementId }));
    if (c.sendto(fd, request, request.length, 0, target, targetLen) < 0) {
      const errno = koffi.errno();
      const why = errno === 2 || errno === 111 ? 'ptp4l is not running (no socket there)' : errno === 13 ? 'permission denied (ptp4l\'s socket is root-only by default)' : `errno ${errno}`;
      lastError = appError('PTP4L_NOT_ANSWERING', `ptp4l mode: cannot reach ${config.socketPath}: ${why}. Running on the local clock (free-run).`);
      return null;
    }
    const reply = Buffer.alloc(1500);
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const n = c.recv(fd, reply, reply.length, MSG_DONTWAIT);
      if (n > 0) {
        const parsed = parseManagementResponse(reply.subarray(0, n));
        if (parsed.kind !== 'invalid' && parsed.sequenceId === sequence) return parsed;
        continue;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    lastError = appError('PTP4L_NOT_ANSWERING', `ptp4l mode: ${config.socketPath} did not answer within ${timeoutMs} ms. Running on the local clock (free-run).`);
    return null;
  };

  const poll = async (): Promise<void> => {
    const props = await get(ManagementId.TIME_PROPERTIES_DATA_SET, 500);
    if (props?.kind === 'time-properties') properties = props.value;
    const status = await get(ManagementId.TIME_STATUS_NP, 500);
    if (status?.kind !== 'time-status') {
      // Warn once per distinct problem, not on every poll.
      if (lastError && lastError.message !== warned) {
        warned = lastError.message;
        post({ type: 'warning', error: lastError });
      }
      setGrandmaster(null);
      return setState('free-run', lastError?.message ?? 'ptp4l gave no time status');
    }
    answered++;
    warned = null;
    lastStatus = status.value;
    lastError = null;
    if (!status.value.gmPresent) {
      setGrandmaster(null);
      return setState('free-run', 'ptp4l has no grandmaster');
    }
    const utc = properties?.ptpTimescale ? BigInt(properties.currentUtcOffset) * 1_000_000_000n : 0n;
    const now = realtimeAt();
    mapping = { refLocalNs: now.localNs, refPtpNs: now.realtimeNs - status.value.masterOffsetNs + utc, rate: 0 };
    setGrandmaster(status.value.gmIdentity);
    writer.write({ mapping, state, grandmaster });
    const offset = status.value.masterOffsetNs < 0n ? -status.value.masterOffsetNs : status.value.masterOffsetNs;
    setState(offset < LOCKED_OFFSET_NS ? 'locked' : 'locking', `ptp4l reports ${status.value.masterOffsetNs} ns from the master`);
  };

  let stopped = false;
  let running: Promise<void> = poll();
  const timer = setInterval(() => {
    if (!stopped) running = running.then(poll);
  }, config.pollMs);
  await running;
  post({ type: 'started', description: `ptp4l management client on ${config.socketPath}` });

  return {
    close: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      c.close(fd);
      c.unlink(ownPath);
    },
    snapshot: () => ({ state, grandmaster, answered, properties, lastStatus: lastStatus && { ...lastStatus, masterOffsetNs: String(lastStatus.masterOffsetNs), ingressTimeNs: String(lastStatus.ingressTimeNs) }, lastError }),
  };
}
