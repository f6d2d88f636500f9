/**
 * The SDP of our AES67 stream, in the field order Dante and PipeWire use (see
 * ../shared/reference/aes67.md). The session id is stable for the life of a stream (across
 * restarts too, see sdp-session-file.ts); the version goes up by one whenever the text changes (Dante Controller refuses routes when the
 * SDP changed under the same version).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { appError, type AppError } from '../../shared/errors';
import type { Aes67SenderSettings } from './aes67-settings';
import { AES67_RATE, type PacketTimeMs, type RtpEncoding, samplesPerPacket } from './rtp';

export interface SdpDescription {
  streamName: string;
  sourceAddress: string;
  group: string;
  port: number;
  ttl: number;
  payloadType: number;
  encoding: RtpEncoding;
  channels: number;
  packetTimeMs: PacketTimeMs;
  sourceFilter: boolean;
  framecount: boolean;
  /** Current grandmaster EUI-64 (00-1D-C1-FF-FE-12-34-56), or null: free-running local clock. */
  grandmasterId: string | null;
  ptpDomain: number;
  /** a=mediaclk:direct=<offset>: RTP timestamp = PTP seconds x 48000 + offset (mod 2^32). */
  mediaClockOffset: number;
}

/** The settings' part of the description; the clock's part (grandmaster, domain, offset) is given. */
export function describeSender(
  s: Aes67SenderSettings,
  sourceAddress: string,
  clock: Pick<SdpDescription, 'grandmasterId' | 'ptpDomain' | 'mediaClockOffset'>,
): SdpDescription {
  return {
    streamName: s.streamName,
    sourceAddress,
    group: s.address,
    port: s.port,
    ttl: s.ttl,
    payloadType: s.payloadType,
    encoding: s.encoding,
    channels: s.channels,
    packetTimeMs: s.packetTimeMs as PacketTimeMs,
    // Some Dante versions dislike the source-filter line.
    sourceFilter: s.sourceFilter && s.mode !== 'dante',
    framecount: s.framecount,
    ...clock,
  };
}

const CHANNEL_NAMES: Record<number, string[]> = {
  1: ['Mono'],
  2: ['Left', 'Right'],
};

function channelLine(channels: number): string {
  const names = CHANNEL_NAMES[channels] ?? Array.from({ length: channels }, (_, i) => `${i + 1}`);
  return `${channels} channel${channels === 1 ? '' : 's'}: ${names.join(', ')}`;
}

function ptimeText(ms: PacketTimeMs): string {
  return String(ms);
}

/** The SDP body; `o=` takes the given session id and version. */
export function buildSdp(d: SdpDescription, sessionId: string, version: number): string {
  const lines = [
    'v=0',
    `o=- ${sessionId} ${version} IN IP4 ${d.sourceAddress}`,
    `s=${d.streamName.replace(/[\r\n]/g, ' ')}`,
    `c=IN IP4 ${d.group}/${d.ttl}`,
    't=0 0',
    `m=audio ${d.port} RTP/AVP ${d.payloadType}`,
    `i=${channelLine(d.channels)}`,
    'a=recvonly',
    `a=rtpmap:${d.payloadType} ${d.encoding}/${AES67_RATE}/${d.channels}`,
  ];
  if (d.sourceFilter) lines.push(`a=source-filter: incl IN IP4 ${d.group} ${d.sourceAddress}`);
  lines.push(`a=ptime:${ptimeText(d.packetTimeMs)}`);
  if (d.framecount) lines.push(`a=framecount:${samplesPerPacket(d.packetTimeMs)}`);
  // RFC 7273: a PTP grandmaster by EUI-64 and domain, or the local clock when free-running.
  lines.push(d.grandmasterId ? `a=ts-refclk:ptp=IEEE1588-2008:${d.grandmasterId.toUpperCase()}:${d.ptpDomain}` : 'a=ts-refclk:local');
  lines.push(`a=mediaclk:direct=${d.mediaClockOffset >>> 0}`);
  return lines.join('\r\n') + '\r\n';
}

/** What an earlier run of this stream announced last (see sdp-session-file.ts). */
export interface PreviousSdp {
  sessionId: string;
  version: number;
  sdp: string;
}

/**
 * A stream's SDP over its lifetime, across restarts when given the previous run's record:
 * same session id, version +1 on every change (also a change made while we were not running).
 */
export class SdpSession {
  readonly sessionId: string;
  private versionNumber: number;
  private text: string;
  private current: SdpDescription;

  constructor(
    description: SdpDescription,
    previous?: PreviousSdp,
    /** Called with every version sent, the first one included (to persist it). */
    private readonly onVersion: (record: PreviousSdp) => void = () => undefined,
  ) {
    // NTP-style numeric id; random so two senders on one host never collide.
    this.sessionId = previous?.sessionId ?? String(randomBytes(4).readUInt32BE(0) + 1);
    this.current = { ...description };
    this.versionNumber = previous?.version ?? 1;
    this.text = buildSdp(this.current, this.sessionId, this.versionNumber);
    if (previous && this.text !== previous.sdp) {
      this.versionNumber += 1;
      this.text = buildSdp(this.current, this.sessionId, this.versionNumber);
    }
    this.onVersion(this.record());
  }

  get sdp(): string {
    return this.text;
  }

  get version(): number {
    return this.versionNumber;
  }

  get description(): SdpDescription {
    return { ...this.current };
  }

  /** Applies a change; returns true when the SDP changed (and the version went up). */
  update(change: Partial<SdpDescription>): boolean {
    const next = { ...this.current, ...change };
    if (buildSdp(next, this.sessionId, this.versionNumber) === this.text) return false;
    this.current = next;
    this.versionNumber += 1;
    this.text = buildSdp(next, this.sessionId, this.versionNumber);
    this.onVersion(this.record());
    return true;
  }

  private record(): PreviousSdp {
    return { sessionId: this.sessionId, version: this.versionNumber, sdp: this.text };
  }
}

/** Saves the SDP for receivers configured by hand (ffmpeg -i stream.sdp, VLC, Dante Controller import). */
export async function saveSdp(path: string, sdp: string): Promise<AppError | null> {
  try {
    await writeFile(path, sdp, 'utf8');
    return null;
  } catch (error) {
    return appError('AES67_SDP_SAVE_FAILED', `Could not save the SDP to ${path}`, String(error));
  }
}
