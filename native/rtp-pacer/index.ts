/**
 * Loader and types of the native AES67 pacing thread (rtp_pacer.c). The addon uses Node-API
 * only, so the same binary loads in Node and in Electron. Where it is missing (no compiler at
 * build time, not Linux) or fails to load, `loadRtpPacer()` says why and the sender falls back
 * to the JavaScript pacer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type DscpResult = { set: true; dscp: number } | { set: false; reason: string };

export interface NativePacerOptions {
  /**
   * Uint8Array views over the shared buffers (the addon keeps references while it runs):
   * ring = the SharedAudioRing (main/engine/aes67/audio-ring.ts) the engine thread writes,
   * clock = the media clock mapping (media-clock.ts), stats = PacerStats (pacer-stats.ts).
   */
  ring: Uint8Array;
  clock: Uint8Array;
  stats: Uint8Array;
  group: string;
  port: number;
  ttl: number;
  interfaceAddress: string;
  loopback: boolean;
  dscp: number;
  payloadType: number;
  ssrc: number;
  firstSequence: number;
  firstTimestamp: number;
  /** Absolute sample index (48 kHz, PTP epoch) of packet 0's first sample. */
  firstSample: number;
  framesPerPacket: number;
  /** 3 = L24, 2 = L16. */
  bytesPerSample: number;
  /** Ring fill (frames) to reach before audio plays, again after every underrun. */
  primeFrames: number;
  maxCatchUpPackets: number;
  /** Try SCHED_FIFO for the thread. */
  realtime: boolean;
  realtimePriority: number;
}

/** Opaque handle of a running pacer thread. */
export type NativePacerHandle = { readonly __nativePacer: unique symbol };

export type NativePacerStart =
  | { pacer: NativePacerHandle; tid: number; dscp: DscpResult; realtime: { granted: boolean; reason: string } }
  | { error: string };

export interface RtpPacerAddon {
  start(options: NativePacerOptions): NativePacerStart;
  /** Sets the stop flag (the thread sleeps at most 2 ms per call), joins within `deadlineMs`, closes the socket. */
  stop(pacer: NativePacerHandle, deadlineMs: number): { joined: boolean; ms: number };
  /** CLOCK_MONOTONIC in ns: the clock the deadlines are computed on. */
  monotonicNs(): bigint;
  /** CLOCK_REALTIME in ns (benchmarks: deadlines to packet capture timestamps). */
  realtimeNs(): bigint;
}

export const ADDON_FILE = 'rtp_pacer.node';

/** Where the addon may be: beside the bundle (copied by scripts/build-native.mjs), or the node-gyp output. */
function candidates(): string[] {
  const unpacked = (p: string): string => p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  const list = [
    process.env.AIRTIGHT_RTP_PACER_ADDON,
    join(__dirname, ADDON_FILE), // out/main/ (built app)
    join(__dirname, 'build', 'Release', ADDON_FILE), // native/rtp-pacer/ (running from source)
    join(__dirname, '..', '..', 'native', 'rtp-pacer', 'build', 'Release', ADDON_FILE), // out/main/ before the copy
  ];
  return list.filter((p): p is string => typeof p === 'string' && p !== '').map(unpacked);
}

let loaded: { addon: RtpPacerAddon; path: string } | { reason: string } | undefined;

export function loadRtpPacer(): { addon: RtpPacerAddon; path: string } | { reason: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { reason: `the native pacer is built for Linux only (this is ${process.platform})` });
  const found = candidates().find((p) => existsSync(p));
  if (!found) return (loaded = { reason: 'the native pacer addon was not built (no C compiler at build time?)' });
  try {
    const module = { exports: {} as RtpPacerAddon };
    // dlopen instead of require: bundlers leave it alone, and it names the exact file.
    process.dlopen(module, found);
    return (loaded = { addon: module.exports, path: found });
  } catch (error) {
    return (loaded = { reason: `the native pacer addon at ${found} failed to load: ${String(error)}` });
  }
}
