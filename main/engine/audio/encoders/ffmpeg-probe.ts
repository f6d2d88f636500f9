/**
 * Finds out once per process whether a usable ffmpeg exists and which AAC encoders it has.
 * `AIRTIGHT_FFMPEG` names another binary than the `ffmpeg` on PATH.
 */
import { execFile } from 'node:child_process';

export interface FfmpegAac {
  path: string;
  /** ffmpeg's own encoder: AAC-LC only. */
  nativeAac: boolean;
  /** Fraunhofer FDK (rarely in distributions): LC, HE-AAC and HE-AAC v2. */
  fdkAac: boolean;
}

export function ffmpegPath(): string {
  return process.env.AIRTIGHT_FFMPEG || 'ffmpeg';
}

const probes = new Map<string, Promise<FfmpegAac | null>>();

/** Null when there is no runnable ffmpeg at `path`. */
export function probeFfmpegAac(path = ffmpegPath()): Promise<FfmpegAac | null> {
  let probe = probes.get(path);
  if (!probe) {
    probe = new Promise((resolve) => {
      execFile(path, ['-hide_banner', '-encoders'], { timeout: 10_000, maxBuffer: 4 << 20 }, (error, stdout) => {
        if (error) return resolve(null);
        const has = (name: string): boolean => new RegExp(`^\\s*A\\S*\\s+${name}\\s`, 'm').test(stdout);
        resolve({ path, nativeAac: has('aac'), fdkAac: has('libfdk_aac') });
      });
    });
    probes.set(path, probe);
  }
  return probe;
}
