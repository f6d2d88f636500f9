/**
 * The follower's two UDP sockets: 319 (event: Sync, Delay_Req, Delay_Resp's partner) and
 * 320 (general: Announce, Follow_Up, Delay_Resp), both joined to 224.0.1.129 on one
 * interface.
 *
 * Bound to 0.0.0.0 with SO_REUSEADDR: binding the interface address receives no multicast on
 * Linux, and SO_REUSEADDR on both sides lets ptp4l (which sets it too) and us share the
 * ports on one host. TTL 1: PTP never leaves the link. Loopback off, except on the event
 * socket when it has kernel stamps (see below).
 *
 * Receive timestamps: the kernel's arrival time where it can be had (kernel-rx-time.ts, Linux),
 * else process.hrtime.bigint() read first thing in the 'message' handler, which includes the
 * kernel -> libuv -> JS latency (tens of µs idle, milliseconds when the thread is preempted).
 * AIRTIGHT_PTP_TIMESTAMPS=javascript forces the latter (benchmarks compare the two).
 * offset-estimator.ts filters what one-sided error remains.
 */
import { createSocket, type Socket } from 'node:dgram';
import { appError, type AppError } from '../../../shared/errors';
import { PTP_EVENT_PORT, PTP_GENERAL_PORT, PTP_PRIMARY_GROUP } from './ptp-messages';
import { openTimestampedSocket } from './kernel-rx-time';

/** Which receive timestamps were used, per datagram. */
export interface RxTimestampCounts {
  kernel: number;
  javascript: number;
  /** Why kernel stamps are not available (null when they are). */
  kernelUnavailable: string | null;
}

export interface PtpSockets {
  sendEvent(bytes: Uint8Array): void;
  timestamps(): RxTimestampCounts;
  /** Drops the memberships and closes both sockets; resolves when both are closed. */
  close(): Promise<void>;
}

export interface PtpSocketOptions {
  ifaceAddress: string;
  eventPort?: number;
  generalPort?: number;
  group?: string;
  onDatagram(buf: Buffer, rxLocal: bigint): void;
  /** An error after the sockets were open (a send failed, the interface went away). */
  onError(error: AppError): void;
}

export async function openPtpSockets(options: PtpSocketOptions): Promise<{ ok: true; sockets: PtpSockets } | { ok: false; error: AppError }> {
  const group = options.group ?? PTP_PRIMARY_GROUP;
  const eventPort = options.eventPort ?? PTP_EVENT_PORT;
  const generalPort = options.generalPort ?? PTP_GENERAL_PORT;
  const opened: Socket[] = [];
  const counts: RxTimestampCounts = { kernel: 0, javascript: 0, kernelUnavailable: null };
  try {
    const event = await bindOne(eventPort, options, group, counts, eventPort);
    opened.push(event);
    const general = await bindOne(generalPort, options, group, counts, eventPort);
    opened.push(general);
    const sockets: PtpSockets = {
      timestamps: () => ({ ...counts }),
      sendEvent: (bytes) =>
        event.send(bytes, eventPort, group, (error) => {
          if (error) options.onError(appError('PTP_SEND_FAILED', `PTP: a Delay_Req could not be sent (${error.message}).`));
        }),
      close: () => Promise.all(opened.map((s) => closeOne(s, group, options.ifaceAddress))).then(() => undefined),
    };
    return { ok: true, sockets };
  } catch (thrown) {
    await Promise.all(opened.map((s) => closeOne(s, group, options.ifaceAddress)));
    return { ok: false, error: bindError(thrown as NodeJS.ErrnoException, eventPort, generalPort, options.ifaceAddress) };
  }
}

async function bindOne(port: number, options: PtpSocketOptions, group: string, counts: RxTimestampCounts, eventPort: number): Promise<Socket> {
  const stamped = process.env.AIRTIGHT_PTP_TIMESTAMPS === 'javascript' ? { reason: 'AIRTIGHT_PTP_TIMESTAMPS=javascript' } : await openTimestampedSocket(port);
  if ('reason' in stamped) counts.kernelUnavailable ??= stamped.reason;
  return new Promise((resolve, reject) => {
    let socket: Socket;
    if ('socket' in stamped) {
      socket = stamped.socket;
      socket.on('message', (buf) => {
        const js = process.hrtime.bigint();
        const kernel = stamped.rxTime();
        if (kernel === null) counts.javascript += 1;
        else counts.kernel += 1;
        options.onDatagram(buf, kernel ?? js);
      });
    } else {
      socket = createSocket({ type: 'udp4', reuseAddr: true });
      socket.on('message', (buf) => {
        counts.javascript += 1;
        options.onDatagram(buf, process.hrtime.bigint());
      });
    }
    const onBindError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    const joined = (): void => {
      try {
        socket.addMembership(group, options.ifaceAddress);
        socket.setMulticastInterface(options.ifaceAddress);
        socket.setMulticastTTL(1);
        // Off: we never hear ourselves. With kernel stamps the event socket hears its own
        // Delay_Req, whose arrival stamp is its departure time (follower-core.ts uses it as t3).
        socket.setMulticastLoopback('socket' in stamped && port === eventPort);
      } catch (error) {
        socket.close();
        return reject(Object.assign(error as Error, { stage: 'membership' }));
      }
      socket.on('error', (error) => options.onError(appError('PTP_SOCKET_ERROR', `PTP: socket error on port ${port} (${error.message}).`)));
      resolve(socket);
    };
    if ('socket' in stamped) return joined(); // already bound by kernel-rx-time.ts
    socket.once('error', onBindError);
    socket.bind({ port, address: '0.0.0.0' }, () => {
      socket.off('error', onBindError);
      joined();
    });
  });
}

function closeOne(socket: Socket, group: string, iface: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.dropMembership(group, iface);
    } catch {
      // Not joined (failed before) or already closed: close releases it either way.
    }
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** What the operator reads when the ports cannot be opened, with the fixes. */
export function bindError(error: NodeJS.ErrnoException & { stage?: string }, eventPort: number, generalPort: number, iface: string): AppError {
  const detail = `${error.code ?? ''} ${error.message}`.trim();
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return appError(
      'PTP_PORT_PRIVILEGED',
      `PTP needs UDP ports ${eventPort} and ${generalPort}, which Linux reserves for privileged programs. ` +
        'Running on the local clock (free-run) instead. Fix one of: ' +
        '(1) give Node the capability: sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(which node)")" (or the app binary); ' +
        '(2) lower the limit: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=319 (persist it in /etc/sysctl.d/); ' +
        '(3) run linuxptp (ptp4l) on this machine and choose the clock mode "ptp4l", which reads its management socket.',
      detail,
    );
  }
  if (error.code === 'EADDRINUSE') {
    return appError(
      'PTP_PORT_IN_USE',
      `PTP: UDP port ${eventPort} or ${generalPort} is held by another program that does not share it. ` +
        'Running on the local clock (free-run). If that program is ptp4l, choose the clock mode "ptp4l".',
      detail,
    );
  }
  if (error.stage === 'membership') {
    return appError('PTP_MULTICAST_JOIN', `PTP: could not join ${PTP_PRIMARY_GROUP} on ${iface}; running on the local clock (free-run).`, detail);
  }
  return appError('PTP_SOCKET_FAILED', `PTP: the sockets could not be opened; running on the local clock (free-run).`, detail);
}
