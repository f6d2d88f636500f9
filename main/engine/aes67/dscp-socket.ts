/**
 * A UDP socket with its DSCP set. Node's dgram has no TOS setter, and a dgram socket's fd is
 * not public API, so on Linux the socket is created through koffi (socket(2) + setsockopt
 * IP_TOS, read back with getsockopt) and handed to dgram with the public `bind({ fd })`.
 * Anywhere that fails, a plain dgram socket is used and the DSCP is reported as not set.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

export type DscpStatus = { set: true; dscp: number } | { set: false; reason: string };

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000; // child processes must not inherit the stream socket
const IPPROTO_IP = 0;
const IP_TOS = 1;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: number[]): number;
  close(fd: number): number;
}

let libc: Libc | string | null = null;

function loadLibc(): Libc | string {
  if (libc) return libc;
  if (process.platform !== 'linux') return (libc = `setting DSCP is implemented on Linux only (this is ${process.platform})`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    libc = {
      socket: lib.func('int socket(int, int, int)'),
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
      getsockopt: lib.func('int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)'),
      close: lib.func('int close(int)'),
    } as Libc;
  } catch (error) {
    libc = `koffi could not load libc: ${String(error)}`;
  }
  return libc;
}

/** Creates an unbound UDP socket (the kernel binds it on the first send) with DSCP set if it can. */
export async function createDscpUdpSocket(dscp: number): Promise<{ socket: Socket; dscp: DscpStatus }> {
  const c = loadLibc();
  if (typeof c === 'string') return { socket: await plainSocket(), dscp: { set: false, reason: c } };
  const fd = c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return { socket: await plainSocket(), dscp: { set: false, reason: 'socket(2) failed' } };
  const value = Buffer.alloc(4);
  value.writeInt32LE(dscp << 2);
  const readBack = Buffer.alloc(4);
  const ok = c.setsockopt(fd, IPPROTO_IP, IP_TOS, value, 4) === 0 && c.getsockopt(fd, IPPROTO_IP, IP_TOS, readBack, [4]) === 0;
  if (!ok || readBack.readInt32LE(0) >> 2 !== dscp) {
    c.close(fd);
    return { socket: await plainSocket(), dscp: { set: false, reason: 'the system refused IP_TOS' } };
  }
  const socket = createSocket({ type: 'udp4' });
  const listening = once(socket, 'listening'); // emitted synchronously when wrapping an fd
  socket.bind({ fd });
  await listening;
  return { socket, dscp: { set: true, dscp } };
}

async function plainSocket(): Promise<Socket> {
  const socket = createSocket({ type: 'udp4' });
  const listening = once(socket, 'listening');
  socket.bind(0);
  await listening;
  return socket;
}
