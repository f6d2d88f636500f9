/**
 * AAC (LC; HE-AAC and HE-AAC v2 where ffmpeg has libfdk_aac) through the system ffmpeg as a
 * child process: float PCM on its stdin, ADTS on its stdout, cut into whole ADTS frames.
 *
 * The child works asynchronously, so besides the Encoder contract this encoder offers
 * `drain()` (after `flush()`: waits for ffmpeg to finish and returns its last frames),
 * `child` (for the engine's resource registry) and `closed()` (resolves once it is reaped).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { AudioFormat } from '../audio-format';
import type { EncodedChunk, Encoder, HeaderPatch } from '../encoder';
import { appError, AppErrorException, type AppError } from '../../../shared/errors';
import type { AacSettings } from './encoder-settings';
import type { FfmpegAac } from './ffmpeg-probe';
import { FrameLedger } from './frame-ledger';
import { FrameSplitter, parseAdtsHeader } from './mpeg-frames';
import { wholeFrames } from './pcm';

/** ffmpeg's AAC encoders start with 1024 priming samples. */
const AAC_PRIMING = 1024;
const STDERR_KEEP = 4096;

export interface ChildProcessEncoder extends Encoder {
  /** The ffmpeg process; stop it with close() (SIGTERM, then SIGKILL after a grace time). */
  readonly child: ChildProcess;
  /** After flush(): the frames ffmpeg still produces; resolves once its output has ended. */
  drain(timeoutMs?: number): Promise<EncodedChunk[]>;
  /** Resolves once the child has exited and been reaped (after close(), or on its own). */
  closed(): Promise<void>;
}

export function isChildProcessEncoder(encoder: Encoder): encoder is ChildProcessEncoder {
  return typeof (encoder as Partial<ChildProcessEncoder>).drain === 'function' && 'child' in encoder;
}

/** Checks the settings against what this ffmpeg can do; an AppError says what is missing. */
export function aacUnavailable(settings: AacSettings, ffmpeg: FfmpegAac | null, channels: number): AppError | null {
  if (!ffmpeg || (!ffmpeg.nativeAac && !ffmpeg.fdkAac)) {
    return appError(
      'AAC_UNAVAILABLE',
      'AAC needs ffmpeg with an AAC encoder, and none was found on this machine. Install ffmpeg or choose another codec.',
      ffmpeg ? `${ffmpeg.path} lists no AAC encoder` : `could not run ${process.env.AIRTIGHT_FFMPEG || 'ffmpeg'}`,
    );
  }
  if (settings.profile !== 'lc' && !ffmpeg.fdkAac) {
    return appError(
      'AAC_HE_UNAVAILABLE',
      'HE-AAC needs an ffmpeg built with libfdk_aac; this one only encodes AAC-LC. Choose AAC-LC or another codec.',
    );
  }
  if (settings.profile === 'he-v2' && channels !== 2) {
    return appError('AAC_HE_V2_NEEDS_STEREO', 'HE-AAC v2 is a stereo format; use HE-AAC or AAC-LC for mono.');
  }
  return null;
}

export function ffmpegAacArgs(settings: AacSettings, ffmpeg: FfmpegAac, input: AudioFormat): string[] {
  const codec =
    settings.profile === 'lc'
      ? ffmpeg.nativeAac
        ? ['-c:a', 'aac', '-profile:a', 'aac_low']
        : ['-c:a', 'libfdk_aac', '-profile:a', 'aac_low']
      : ['-c:a', 'libfdk_aac', '-profile:a', settings.profile === 'he' ? 'aac_he' : 'aac_he_v2'];
  return [
    '-hide_banner', '-nostats', '-loglevel', 'error',
    '-f', 'f32le', '-ar', String(input.sampleRate), '-ac', String(input.channels), '-i', 'pipe:0',
    ...codec, '-b:a', `${settings.bitrateKbps}k`,
    // Write every packet as soon as it exists: a stream listener must not wait on ffmpeg's buffer.
    '-flush_packets', '1', '-f', 'adts', 'pipe:1',
  ];
}

export function createAac(settings: AacSettings, ffmpeg: FfmpegAac, input: AudioFormat, graceMs = 500): ChildProcessEncoder {
  const channels = input.channels;
  const child = spawn(ffmpeg.path, ffmpegAacArgs(settings, ffmpeg, input), { stdio: ['pipe', 'pipe', 'pipe'] });
  const splitter = new FrameSplitter(parseAdtsHeader);
  const ledger = new FrameLedger();
  let received: Uint8Array[] = [];
  let stderr = '';
  let failure: AppError | null = null;
  let closing = false;
  let flushed = false;
  let outputSamples = 0;

  const exited = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      if (!closing && !(flushed && code === 0)) {
        failure ??= appError('AAC_ENCODER_STOPPED', 'The AAC encoder (ffmpeg) stopped unexpectedly', `exit ${code ?? signal}: ${stderr.trim()}`);
      }
      resolve();
    });
  });
  const outputEnded = new Promise<void>((resolve) => child.stdout!.once('end', resolve));
  child.once('error', (error) => {
    failure ??= appError('AAC_ENCODER_FAILED', 'The AAC encoder (ffmpeg) could not be started', error.message);
  });
  child.stdout!.on('data', (data: Buffer) => received.push(new Uint8Array(data.buffer, data.byteOffset, data.length)));
  child.stderr!.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString('utf8')).slice(-STDERR_KEEP);
  });
  // EPIPE when ffmpeg dies: reported through `failure` by the close handler instead.
  child.stdin!.on('error', () => undefined);

  const take = (final: boolean): EncodedChunk[] => {
    const bytes = received.length === 1 ? received[0]! : Buffer.concat(received);
    received = [];
    const split = splitter.push(bytes);
    let frames = 0;
    for (const f of split.frames) {
      outputSamples += f.samples;
      frames += ledger.claim(((outputSamples - AAC_PRIMING) * input.sampleRate) / f.sampleRate);
    }
    if (final) frames += ledger.claimRest();
    return split.bytes.length > 0 || (final && frames > 0) ? [{ bytes: split.bytes, frames }] : [];
  };

  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, graceMs);
    timer.unref();
    void exited.then(() => clearTimeout(timer));
  };

  return {
    codec: 'aac',
    mimeType: 'audio/aac',
    extension: 'aac',
    implementation: `ffmpeg ${ffmpegAacArgs(settings, ffmpeg, input).join(' ').match(/-c:a (\S+)/)?.[1] ?? 'aac'} (${ffmpeg.path}, child process)`,
    inputFormat: { sampleRate: input.sampleRate, channels },
    child,
    encode(samples: Float32Array): EncodedChunk[] {
      if (failure) throw new AppErrorException(failure);
      if (closing || flushed) return [];
      const whole = wholeFrames(samples, channels);
      if (whole.length > 0) {
        ledger.addInput(whole.length / channels);
        // Copy: the caller reuses its block, and the pipe writes later.
        child.stdin!.write(Buffer.from(whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength)));
      }
      return take(false);
    },
    flush(): EncodedChunk[] {
      if (!flushed && !closing) {
        flushed = true;
        child.stdin!.end();
      }
      return take(false);
    },
    async drain(timeoutMs = 5000): Promise<EncodedChunk[]> {
      if (!flushed) this.flush();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([Promise.all([outputEnded, exited]).then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        kill();
        throw new AppErrorException(appError('AAC_ENCODER_STUCK', `The AAC encoder (ffmpeg) did not finish within ${timeoutMs} ms`));
      }
      if (failure) throw new AppErrorException(failure);
      return take(true);
    },
    finalPatches(): HeaderPatch[] {
      return [];
    },
    close(): void {
      closing = true;
      child.stdin!.destroy();
      kill();
    },
    closed(): Promise<void> {
      return exited;
    },
  };
}
