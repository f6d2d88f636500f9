/**
 * The recording's own thread: resampling (when the codec wants another rate), encoding and
 * file writing happen here, so neither a slow disk nor a costly codec can stall capture.
 * It talks through a WorkerLane (main/engine/audio/worker-lane.ts): every audio block is
 * acknowledged, and `stop` finalizes the file (flush, header patches, fsync) before exiting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AudioFormat } from '../audio/audio-format';
import { createResampler, type Resampler } from '../audio/dsp/resampler';
import { laneWorkerEnd, type LaneReply } from '../audio/worker-lane';
import type { RecordSettings } from '../../settings/audio-settings-schema';
import { toAppError } from '../../shared/errors';
import { Recorder, type RecorderEvent } from './recorder';
import { recordEncoderFactory } from './record-encoder';
import { describeEncoderSettings, encoderStarted, type EncoderStarted } from '../audio/encoders/describe-encoder';

export interface RecordJob {
  format: AudioFormat;
  settings: RecordSettings;
  serverName?: string;
}

export type RecordWorkerEvent =
  | RecorderEvent
  | ({ type: 'encoder-started'; description: string } & EncoderStarted)
  | { type: 'start-failed'; error: ReturnType<typeof toAppError> }
  | { type: 'progress'; path: string; seconds: number; bytes: number; droppedFrames: number };

/** How often the recording reports its length and size (the status display, BUTT's status). */
const PROGRESS_INTERVAL_MS = 1000;
export type RecordWorkerCommand = { type: 'split' };

type Incoming = { type: 'audio'; samples: Float32Array; frames: number } | { type: 'command'; command: RecordWorkerCommand } | { type: 'stop' };

const port = parentPort!;
const { job, acknowledge } = laneWorkerEnd<RecordJob>(workerData);
const post = (reply: LaneReply<RecordWorkerEvent>): void => port.postMessage(reply);

async function main(): Promise<void> {
  const factory = recordEncoderFactory(job.settings, job.format);
  let resampler: Resampler | undefined;
  if (factory.inputFormat.sampleRate !== job.format.sampleRate) {
    const made = await createResampler(job.format.channels, job.format.sampleRate, factory.inputFormat.sampleRate);
    if (!made.ok) return fail(made.error);
    resampler = made.resampler;
  }
  const { settings } = job;
  let encoderAnnounced = false;
  const started = await Recorder.start({
    format: factory.inputFormat,
    createEncoder: async () => {
      const encoder = await factory.create();
      // Once per recording (every split part gets the same kind of encoder): which library encodes.
      if (!encoderAnnounced) {
        encoderAnnounced = true;
        const description = settings.codec === 'wav' ? `WAV ${settings.wav.sampleFormat}` : describeEncoderSettings(settings.codecs[settings.codec]);
        post({ type: 'event', event: { type: 'encoder-started', description, ...encoderStarted(encoder) } });
      }
      return encoder;
    },
    fileName: { folder: settings.folder, fileName: settings.fileName },
    existingFile: settings.existingFile,
    ...(job.serverName ? { serverName: job.serverName } : {}),
    ...(settings.splitMinutes > 0 ? { split: { everyMs: settings.splitMinutes * 60_000, syncToHour: settings.syncToHour } } : {}),
    onEvent: (event) => post({ type: 'event', event }),
  });
  if (!started.ok) return fail(started.error);
  const recorder = started.recorder;
  const progress = setInterval(() => {
    const stats = recorder.stats;
    post({
      type: 'event',
      event: { type: 'progress', path: recorder.currentPath, seconds: stats.frames / factory.inputFormat.sampleRate, bytes: stats.bytes, droppedFrames: stats.droppedFrames },
    });
  }, PROGRESS_INTERVAL_MS);

  port.on('message', (message: Incoming) => {
    if (message.type === 'audio') {
      recorder.write(resampler ? resampler.process(message.samples) : message.samples);
      acknowledge(message.frames);
    } else if (message.type === 'command') {
      if (message.command.type === 'split') recorder.splitNow();
    } else {
      clearInterval(progress);
      void recorder.stop().then(() => {
        resampler?.close();
        port.close();
      });
    }
  });
}

function fail(error: ReturnType<typeof toAppError>): void {
  post({ type: 'event', event: { type: 'start-failed', error } });
  // Accept the stop that will follow, then leave.
  port.on('message', (message: Incoming) => {
    if (message.type === 'stop') port.close();
    else if (message.type === 'audio') acknowledge(message.frames);
  });
}

main().catch((error: unknown) => fail(toAppError(error, 'RECORDER_FAILED', 'The recorder could not start')));
