/**
 * Shared pieces of the streaming tests: a tone through the real AudioService (in-process,
 * built worker files), a StreamManager on it, and ffmpeg listeners that decode what a server
 * relays. Every child process is tracked and killed by pid in clean-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { AudioService } from '../../main/engine/audio/audio-service';
import { ResourceRegistry } from '../../main/engine/resource-registry';
import { AudioSettingsSchema } from '../../main/settings/audio-settings-schema';
import { StreamManager, type StreamManagerDeps } from '../../main/engine/stream/stream-manager';
import type { SenderState } from '../../main/engine/stream/stream-sender';
import { ROOT } from '../helpers/airtight-process';
import { sleep } from '../helpers/icecast';

export const RATE = 44100;
export const TONE_DBFS = -12;

const noEvents = { meters: () => undefined, source: () => undefined, signal: () => undefined, recorder: () => undefined, log: () => undefined };

export interface Rig {
  registry: ResourceRegistry;
  audio: AudioService;
  manager: StreamManager;
  /** Every state each server went through, in order. */
  states: Map<string, SenderState[]>;
  close(): Promise<void>;
}

export async function toneRig(options: Partial<StreamManagerDeps> = {}): Promise<Rig> {
  const registry = new ResourceRegistry();
  const audio = new AudioService(registry, noEvents, join(ROOT, 'out', 'main'));
  await audio.configure(AudioSettingsSchema.parse({ input: { source: 'tone', sampleRate: RATE, toneLevelDbfs: TONE_DBFS } }));
  const states = new Map<string, SenderState[]>();
  const manager = new StreamManager({
    openEncoder: (settings, onChunks) => audio.openStreamEncoder(settings, onChunks),
    format: () => audio.format,
    registry,
    ...options,
    onState: (server, state) => {
      states.set(server, [...(states.get(server) ?? []), state]);
      options.onState?.(server, state);
    },
  });
  return {
    registry,
    audio,
    manager,
    states,
    close: async () => {
      await manager.stopAll();
      await registry.closeAll(3000);
    },
  };
}

/** Waits (bounded) until `check` holds; returns whether it did. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, stepMs = 20): Promise<boolean> {
  for (let waited = 0; waited <= ms; waited += stepMs) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return false;
}

const children = new Set<ChildProcess>();

/** Kills every listener still running (for afterEach). */
export function killListeners(): void {
  for (const child of children) {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  children.clear();
}

/**
 * An ffmpeg listener: decodes `url` to interleaved float stereo at RATE until `seconds` of audio
 * arrived (then it is killed: ffmpeg's own -t counts from the Ogg start time, not from what it heard).
 */
export function listen(url: string, seconds: number, format?: string): Promise<{ samples: Float32Array; stderr: string }> {
  return new Promise((resolve) => {
    const args = ['-v', 'error', ...(format ? ['-f', format, '-ar', String(RATE), '-ac', '2'] : []), '-i', url, '-f', 'f32le', '-ac', '2', '-ar', String(RATE), '-'];
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const want = Math.round(seconds * RATE) * 2 * 4;
    const out: Buffer[] = [];
    let have = 0;
    let stderr = '';
    const kill = (): void => {
      if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    };
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      have += d.length;
      if (have >= want) kill();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(kill, (seconds + 15) * 1000);
    child.once('close', () => {
      clearTimeout(timer);
      children.delete(child);
      const all = Buffer.concat(out).subarray(0, want);
      resolve({ samples: new Float32Array(all.buffer.slice(all.byteOffset, all.byteOffset + all.length - (all.length % 4))), stderr });
    });
  });
}

export function lastState(rig: Rig, server: string): SenderState | undefined {
  const list = rig.states.get(server);
  return list?.[list.length - 1];
}
