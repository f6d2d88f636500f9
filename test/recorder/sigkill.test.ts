import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WavEncoder } from '../../main/engine/recorder/wav-encoder';
import { decode, expectedS32, firstDifference, makeTempDir, probe, pythonWaveFrames, testSignal, wavHeaderSizes } from './helpers';

const FIXTURE = join(__dirname, 'fixtures', 'record-until-killed.ts');
const REPO = join(__dirname, '..', '..');
const BLOCK_MS = 20;
const BLOCK_FRAMES = 960; // 20 ms at 48 kHz
const FLAC_BLOCK = 4096; // libFLAC's block size at compression 5

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
  for (const clean of cleanups.splice(0)) clean();
});

interface KilledRun {
  path: string;
  /** Frames the child had handed to the recorder by the last line we read before the kill. */
  lastSeenHanded: number;
}

/** Starts the recording child, SIGKILLs it `killAfterMs` after its first block, reports. */
function recordAndKill(dir: string, killAfterMs: number, codec: 'wav' | 'flac' = 'wav'): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(BLOCK_MS), codec], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let path = '';
    let lastSeenHanded = 0;
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
    child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, value] = line.split(' ', 2);
        if (word === 'path') path = line.slice(5);
        if (word === 'handed' && child.signalCode === null && !child.killed) {
          lastSeenHanded = Number(value);
          timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`recording child ended with ${code ?? signal}: ${stderr}`));
      else resolve({ path, lastSeenHanded });
    });
  });
}

describe('SIGKILL during a recording', () => {
  it('leaves a valid WAV holding everything up to the last write (three kills at different phases)', async () => {
    const temp = makeTempDir('sigkill');
    cleanups.push(temp.remove);
    // Three children at once, killed at different points of their 20 ms write cycle.
    const runs = await Promise.all(
      [1500, 1507, 1514].map((ms, i) => recordAndKill(join(temp.dir, String(i)), ms)),
    );
    const header = new WavEncoder({ format: { sampleRate: 48000, channels: 2 }, sampleFormat: 'int16' }).headerBytes;
    const lost: number[] = [];
    for (const run of runs) {
      expect(run.path).not.toBe('');
      const stream = probe(run.path).streams[0]!;
      const decoded = decode(run.path);
      const frames = decoded.length / 2;
      expect(stream.duration_ts).toBe(frames);
      // ffmpeg reads a header with size 0 to the end of the file: check the header itself too.
      const sizes = wavHeaderSizes(run.path);
      expect(sizes.dataSize).toBe(frames * 4);
      expect(sizes.riffSize).toBe(sizes.dataStart - 8 + sizes.dataSize);
      expect(pythonWaveFrames(run.path)).toBe(frames);
      expect(frames).toBeGreaterThan(48000); // over a second was recorded
      // Within one write interval of what the child had handed over when we saw its last line
      // (it may have handed one more block we had not read yet).
      expect(frames).toBeGreaterThanOrEqual(run.lastSeenHanded - BLOCK_FRAMES);
      expect(frames).toBeLessThanOrEqual(run.lastSeenHanded + BLOCK_FRAMES);
      // The header never claims bytes the file lacks; at most one write went unclaimed.
      const dataBytes = statSync(run.path).size - header;
      expect(dataBytes).toBeGreaterThanOrEqual(frames * 4);
      expect(dataBytes - frames * 4).toBeLessThanOrEqual(BLOCK_FRAMES * 4);
      expect(firstDifference(decoded, expectedS32(testSignal(frames, 2, 48000), 16))).toBe(-1);
      lost.push(run.lastSeenHanded - frames);
    }
    console.log(
      `SIGKILL: frames handed (last seen) minus frames in the file: ${lost.join(', ')} (one block = ${BLOCK_FRAMES} frames = ${BLOCK_MS} ms)`,
    );
  });

  it('leaves a playable FLAC (the machine\'s libFLAC) holding everything but the block libFLAC still held', async () => {
    const temp = makeTempDir('sigkill-flac');
    cleanups.push(temp.remove);
    const runs = await Promise.all([1500, 1507, 1514].map((ms, i) => recordAndKill(join(temp.dir, String(i)), ms, 'flac')));
    const lost: number[] = [];
    for (const run of runs) {
      expect(run.path).toMatch(/\.flac$/);
      // STREAMINFO was never patched (total samples unknown); a decoder plays the frames anyway.
      const decoded = decode(run.path);
      const frames = decoded.length / 2;
      expect(frames).toBeGreaterThan(48000);
      // libFLAC writes a frame per 4096-frame block: at most that plus one write is missing.
      expect(frames).toBeGreaterThanOrEqual(run.lastSeenHanded - BLOCK_FRAMES - FLAC_BLOCK);
      expect(frames).toBeLessThanOrEqual(run.lastSeenHanded + BLOCK_FRAMES);
      expect(firstDifference(decoded, expectedS32(testSignal(frames, 2, 48000), 16))).toBe(-1);
      lost.push(run.lastSeenHanded - frames);
    }
    console.log(`SIGKILL (FLAC): frames handed (last seen) minus frames in the file: ${lost.join(', ')} (libFLAC block = ${FLAC_BLOCK} frames)`);
  });
});
