/**
 * A stream encoder's own thread: resample (when the codec wants another rate) and encode,
 * then hand the whole units (MP3 frames, Ogg pages) back to the engine's main thread, where
 * the network senders queue them. Several servers with equal settings share one of these.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AudioFormat } from './audio-format';
import type { EncodedChunk, Encoder } from './encoder';
import { createEncoder, encoderInputFormat } from './encoders/create-encoder';
import type { EncoderSettings } from './encoders/encoder-settings';
import { encoderStarted, type EncoderStarted } from './encoders/describe-encoder';
import { createResampler, type Resampler } from './dsp/resampler';
import { laneWorkerEnd, type LaneReply } from './worker-lane';
import { toAppError, type AppError } from '../../shared/errors';

export interface EncodeJob {
  format: AudioFormat;
  settings: EncoderSettings;
}

/** A new title: Ogg encoders chain a new logical stream carrying it (in-band, BUTT skips Vorbis). */
export type EncodeWorkerCommand = { type: 'setTitle'; title: string };

export type EncodeWorkerEvent =
  | ({ type: 'ready'; mimeType: string; extension: string } & EncoderStarted)
  | { type: 'chunks'; chunks: EncodedChunk[] }
  | { type: 'failed'; error: AppError };

type Incoming = { type: 'audio'; samples: Float32Array; frames: number } | { type: 'command'; command: EncodeWorkerCommand } | { type: 'stop' };

const port = parentPort!;
const { job, acknowledge } = laneWorkerEnd<EncodeJob>(workerData);
const post = (reply: LaneReply<EncodeWorkerEvent>, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);

function sendChunks(chunks: EncodedChunk[]): void {
  if (chunks.length === 0) return;
  post({ type: 'event', event: { type: 'chunks', chunks } }, chunks.map((c) => c.bytes.buffer as ArrayBuffer));
}

async function main(): Promise<void> {
  let resampler: Resampler | undefined;
  const wanted = encoderInputFormat(job.settings, job.format);
  if (wanted.sampleRate !== job.format.sampleRate) {
    const made = await createResampler(job.format.channels, job.format.sampleRate, wanted.sampleRate);
    if (!made.ok) return fail(made.error);
    resampler = made.resampler;
  }
  const made = await createEncoder(job.settings, job.format);
  if (!made.ok) return fail(made.error);
  const encoder: Encoder = made.encoder;
  post({ type: 'event', event: { type: 'ready', mimeType: encoder.mimeType, extension: encoder.extension, ...encoderStarted(encoder) } });
  port.on('message', (message: Incoming) => {
    if (message.type === 'audio') {
      try {
        sendChunks(encoder.encode(resampler ? resampler.process(message.samples) : message.samples));
      } catch (error) {
        post({ type: 'event', event: { type: 'failed', error: toAppError(error, 'ENCODER_FAILED', `The ${job.settings.codec} stream encoder failed`) } });
      }
      acknowledge(message.frames);
    } else if (message.type === 'command') {
      // Encoders without in-band metadata (MP3, AAC) get titles through the server's admin API only.
      try {
        if (encoder.setTitle) sendChunks(encoder.setTitle({ title: message.command.title }));
      } catch (error) {
        post({ type: 'event', event: { type: 'failed', error: toAppError(error, 'ENCODER_FAILED', `The ${job.settings.codec} stream encoder could not start a stream for the new title`) } });
      }
    } else if (message.type === 'stop') {
      try {
        sendChunks(encoder.flush());
      } finally {
        encoder.close();
        resampler?.close();
        port.close();
      }
    }
  });
}

function fail(error: AppError): void {
  post({ type: 'event', event: { type: 'failed', error } });
  port.on('message', (message: Incoming) => {
    if (message.type === 'stop') port.close();
    else if (message.type === 'audio') acknowledge(message.frames);
  });
}

main().catch((error: unknown) => fail(toAppError(error, 'ENCODER_INIT_FAILED', 'The stream encoder could not start')));
