/**
 * Messages between the engine and the capture helper process (capture-helper.ts).
 * naudiodon runs in that helper, never in the engine: its enumeration and open block the
 * JavaScript thread for as long as the sound server stalls, its quit can block too, and a
 * crash in it must not take the engine down. Sent over Node IPC with 'advanced' serialization,
 * so Float32Arrays cross as binary.
 */

export interface AudioInputDevice {
  /** PortAudio's name: what "remember device by name" stores. */
  name: string;
  hostApi: string;
  maxInputChannels: number;
  defaultSampleRate: number;
  /** Standard rates (8k..96k) that opened; just the default rate when not probed. */
  sampleRates: number[];
  /** The system default input. */
  isDefault: boolean;
}

export const STANDARD_SAMPLE_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000] as const;

export type HelperRequest =
  | { type: 'list'; probeRates: boolean }
  /**
   * `blockFrames`: PortAudio's buffer, fixed while open. `deliveryFrames`: how much each block
   * sent to the engine holds (a multiple of blockFrames is best), changeable with 'delivery'.
   */
  | { type: 'open'; deviceName?: string; sampleRate: number; channels: number; blockFrames: number; deliveryFrames: number }
  | { type: 'delivery'; frames: number }
  | { type: 'close' };

export type HelperReply =
  | { type: 'devices'; devices: AudioInputDevice[] }
  | { type: 'opened'; device: string; hostApi: string; fallbackFrom?: string }
  | { type: 'block'; samples: Float32Array }
  | { type: 'failed'; code: string; message: string; detail?: string }
  | { type: 'closed'; ms: number };
