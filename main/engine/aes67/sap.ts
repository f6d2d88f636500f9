/**
 * SAP (RFC 2974) announcements of our SDP to 239.255.255.255:9875: at start, on every change
 * (deletion of the old version first, then the new one), every 30 s, and a deletion sent three
 * times on stop so receivers drop the stream at once instead of minutes later.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createHash } from 'node:crypto';
import { once } from 'node:events';

export const SAP_GROUP = '239.255.255.255';
export const SAP_PORT = 9875;
export const SAP_INTERVAL_MS = 30_000;
const PAYLOAD_TYPE = 'application/sdp';

/** 16-bit message id hash: non-zero, different for each SDP version of a session. */
export function sapMessageIdHash(sessionId: string, version: number): number {
  const digest = createHash('sha1').update(`${sessionId}/${version}`).digest();
  return digest.readUInt16BE(0) || 1;
}

export function encodeSap(kind: 'announce' | 'delete', originIp: string, idHash: number, sdp: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = kind === 'announce' ? 0x20 : 0x24; // V=1, IPv4, no encryption/compression; T=1 for deletion
  header[1] = 0; // no authentication data
  header.writeUInt16BE(idHash & 0xffff, 2);
  const octets = originIp.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new RangeError(`SAP origin must be an IPv4 address, got ${originIp}`);
  }
  octets.forEach((o, i) => (header[4 + i] = o));
  return Buffer.concat([header, Buffer.from(`${PAYLOAD_TYPE}\0`, 'latin1'), Buffer.from(sdp, 'utf8')]);
}

export interface SapPacket {
  kind: 'announce' | 'delete';
  idHash: number;
  origin: string;
  payloadType: string;
  sdp: string;
}

export function decodeSap(packet: Buffer): SapPacket | null {
  if (packet.length < 8 || packet[0]! >> 5 !== 1 || (packet[0]! & 0x10) !== 0) return null; // V=1, IPv4 only
  const authBytes = packet[1]! * 4;
  let offset = 8 + authBytes;
  const kind = packet[0]! & 0x04 ? 'delete' : 'announce';
  const origin = [...packet.subarray(4, 8)].join('.');
  let payloadType = PAYLOAD_TYPE;
  if (!packet.subarray(offset, offset + 4).equals(Buffer.from('v=0\r'))) {
    const end = packet.indexOf(0, offset);
    if (end < 0) return null;
    payloadType = packet.subarray(offset, end).toString('latin1');
    offset = end + 1;
  }
  return { kind, idHash: packet.readUInt16BE(2), origin, payloadType, sdp: packet.subarray(offset).toString('utf8') };
}

export interface SapAnnouncerOptions {
  /** Our IPv4 address on the chosen interface: SAP origin and multicast interface. */
  sourceAddress: string;
  ttl: number;
  loopback: boolean;
  intervalMs?: number;
  /** Overridable for tests on a private port; defaults 239.255.255.255:9875. */
  group?: string;
  port?: number;
}

interface Announced {
  sessionId: string;
  version: number;
  sdp: string;
}

export interface SapCounts {
  announcements: number;
  deletions: number;
}

export class SapAnnouncer {
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private announced: Announced | null = null;
  private readonly counts: SapCounts = { announcements: 0, deletions: 0 };
  private beforeRepeat: (() => boolean) | null = null;

  constructor(private readonly options: SapAnnouncerOptions) {}

  async open(): Promise<void> {
    const socket = createSocket({ type: 'udp4' });
    socket.on('error', () => undefined); // a failed send is counted by its callback, never fatal
    socket.bind({ port: 0, address: this.options.sourceAddress });
    await once(socket, 'listening');
    socket.setMulticastTTL(this.options.ttl);
    socket.setMulticastLoopback(this.options.loopback);
    socket.setMulticastInterface(this.options.sourceAddress);
    this.socket = socket;
  }

  get isOpen(): boolean {
    return this.socket !== null;
  }

  snapshot(): SapCounts {
    return { ...this.counts };
  }

  /**
   * Announces this SDP version now and every interval after. When it replaces another
   * version, the old one is deleted first.
   */
  async announce(sessionId: string, version: number, sdp: string): Promise<void> {
    const previous = this.announced;
    if (previous && (previous.version !== version || previous.sessionId !== sessionId)) {
      await this.send('delete', previous);
    }
    this.announced = { sessionId, version, sdp };
    await this.send('announce', this.announced);
    this.restartTimer();
  }

  /**
   * Called before each periodic repeat; returning true means it announced a new version
   * itself (the grandmaster id is re-read every cycle: a stale one is a known field defect).
   */
  setBeforeRepeat(hook: () => boolean): void {
    this.beforeRepeat = hook;
  }

  /** Stops the periodic announcement (first step of a stop). */
  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sends the deletion of the announced version `times` times; resolves once handed to the OS. */
  async sendDeletion(times = 3): Promise<number> {
    if (!this.announced) return 0;
    let sent = 0;
    for (let i = 0; i < times; i++) if (await this.send('delete', this.announced)) sent++;
    this.announced = null;
    return sent;
  }

  async close(): Promise<void> {
    this.stopTimer();
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private restartTimer(): void {
    this.stopTimer();
    this.timer = setInterval(() => {
      if (this.beforeRepeat?.()) return;
      if (this.announced) void this.send('announce', this.announced);
    }, this.options.intervalMs ?? SAP_INTERVAL_MS);
  }

  private send(kind: 'announce' | 'delete', what: Announced): Promise<boolean> {
    const socket = this.socket;
    if (!socket) return Promise.resolve(false);
    const packet = encodeSap(kind, this.options.sourceAddress, sapMessageIdHash(what.sessionId, what.version), what.sdp);
    return new Promise((resolve) => {
      try {
        socket.send(packet, this.options.port ?? SAP_PORT, this.options.group ?? SAP_GROUP, (error) => {
          if (!error) this.counts[kind === 'announce' ? 'announcements' : 'deletions'] += 1;
          resolve(!error);
        });
      } catch {
        resolve(false);
      }
    });
  }
}
