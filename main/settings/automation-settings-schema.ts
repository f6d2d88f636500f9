/**
 * Start/stop on signal and silence (BUTT's signal_threshold / silence_threshold, seconds;
 * since BUTT 0.1.41 with separate on/off switches signal_detection / silence_detection).
 * The levels that count as signal and silence are audio.signalDetection.
 */
import { z } from 'zod';

export const DetectionAutomationSchema = z.object({
  /** Start (connect / record) after this long with signal. */
  startOnSignal: z.boolean().default(false),
  signalSeconds: z.number().min(0).max(86400).default(0),
  /** Stop (disconnect / stop recording) after this long in silence. */
  stopOnSilence: z.boolean().default(false),
  silenceSeconds: z.number().min(0).max(86400).default(0),
});
export type DetectionAutomation = z.infer<typeof DetectionAutomationSchema>;

export const RecordAutomationSchema = z.object({
  /** Start recording when a stream connects (BUTT's [record] start_rec). */
  startWithStream: z.boolean().default(false),
  /** Stop recording when the stream disconnects ([record] stop_rec). */
  stopWithStream: z.boolean().default(false),
  /** The host starts a recording once the engine runs ([record] rec_after_launch). */
  startAtLaunch: z.boolean().default(false),
  detection: DetectionAutomationSchema.prefault({}),
});
export type RecordAutomation = z.infer<typeof RecordAutomationSchema>;
