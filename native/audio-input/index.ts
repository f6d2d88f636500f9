/** Sound-card input through naudiodon (PortAudio), run in a helper process. */
export { listDevices, type ListDevicesOptions } from './list-devices';
export {
  openCapture,
  DEFAULT_CAPTURE_TIMING,
  type Capture,
  type CaptureEvent,
  type CaptureOptions,
  type CaptureTiming,
  type CloseOutcome,
  type CloseReport,
} from './capture';
export { STANDARD_SAMPLE_RATES, type AudioInputDevice } from './helper-protocol';
export { defaultHelperCommand, type HelperCommand } from './helper-process';
