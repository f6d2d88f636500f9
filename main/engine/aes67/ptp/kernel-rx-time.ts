/**
 * Kernel receive timestamps for the PTP sockets (Linux). A JavaScript timestamp taken in the
 * 'message' handler is late by however long the thread waited to run (milliseconds under
 * load); the kernel stamps the datagram when it arrives, as ptp4l's software timestamping does.
 *
 * How: the socket is created through koffi (socket + SO_REUSEADDR + bind, then handed to
 * dgram with the public `bind({ fd })`, as dscp-socket.ts does), and the handler asks
 * `ioctl(SIOCGSTAMPNS)` for the arrival time of the last datagram read on that socket. libuv
 * reads one datagram per recvmsg and calls the handler before reading the next, so "the last
 * datagram" is the one being handled. The stamp is CLOCK_REALTIME; it is moved onto the
 * follower's monotonic timeline by the time that has passed since (both clocks read now).
 * Anything that fails leaves the caller on plain dgram sockets and JavaScript timestamps.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { guardLibrary } from '../../../../native/native-call-guard';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SIOCGSTAMPNS = 0x8907;
const IPPROTO_IP = 0;
const IP_MULTICAST_ALL = 49;
const CLOCK_REALTIME = 0;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  ioctl(fd: number, request: number, out: Buffer): number;
  clock_gettime(clock: number, out: Buffer): number;
  close(fd: number): number;
}

let libc: Libc | string | null = null;

function loadLibc(): Libc | string {
  if (libc) return libc;
  if (process.platform !== 'linux') return (libc = `kernel receive timestamps are implemented on Linux only (this is ${process.platform})`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    const lib = guardLibrary(koffi.load('libc.so.6')); // this runs in the PTP thread: see ptp-worker.ts
    libc = {
      socket: lib.func('int socket(int, int, int)'),
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
      bind: lib.func('int bind(int, const void *, uint32_t)'),
      ioctl: lib.func('int ioctl(int, unsigned long, _Out_ void *)'),
      clock_gettime: lib.func('int clock_gettime(int, _Out_ void *)'),
      close: lib.func('int close(int)'),
    } as Libc;
  } catch (error) {
    libc = `koffi could not load libc: ${String(error)}`;
  }
  return libc;
}

export interface TimestampedSocket {
  socket: Socket;
  /**
   * The arrival time of the datagram being handled, on the process.hrtime.bigint() timeline,
   * or null when the kernel has none (the first datagram only enables stamping).
   */
  rxTime(): bigint | null;
}

/** A UDP socket bound to 0.0.0.0:port with SO_REUSEADDR and kernel receive stamps; or why not. */
export async function openTimestampedSocket(port: number): Promise<TimestampedSocket | { reason: string }> {
  const c = loadLibc();
  if (typeof c === 'string') return { reason: c };
  const fd = c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return { reason: 'socket(2) failed' };
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  const address = Buffer.alloc(16); // sockaddr_in: family, port (network order), 0.0.0.0
  address.writeUInt16LE(AF_INET, 0);
  address.writeUInt16BE(port, 2);
  if (c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4) !== 0 || c.bind(fd, address, 16) !== 0) {
    c.close(fd);
    // The caller binds through dgram instead, which reports EACCES / EADDRINUSE by name.
    return { reason: `bind to port ${port} refused` };
  }
  // Best effort: only the groups this socket joined, not those other sockets joined on other interfaces.
  const zero = Buffer.alloc(4);
  c.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, zero, 4);
  const stamp = Buffer.alloc(16);
  const now = Buffer.alloc(16);
  // The first ioctl switches stamping on (and answers ENOENT): ask before any datagram arrives.
  c.ioctl(fd, SIOCGSTAMPNS, stamp);
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const listening = once(socket, 'listening'); // emitted synchronously when wrapping an fd
  socket.bind({ fd });
  await listening;
  const nsOf = (b: Buffer): bigint => b.readBigInt64LE(0) * 1_000_000_000n + b.readBigInt64LE(8);
  return {
    socket,
    rxTime: () => {
      if (c.ioctl(fd, SIOCGSTAMPNS, stamp) !== 0) return null;
      const local = process.hrtime.bigint();
      c.clock_gettime(CLOCK_REALTIME, now);
      const age = nsOf(now) - nsOf(stamp);
      // A stamp from the future or older than a second is not this datagram's: do not use it.
      if (age < 0n || age > 1_000_000_000n) return null;
      return local - age;
    },
  };
}
