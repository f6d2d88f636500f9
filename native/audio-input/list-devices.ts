/** Lists input devices through a short-lived helper, within a deadline. */
import { appError, type AppError } from '../../main/shared/errors';
import type { AudioInputDevice } from './helper-protocol';
import { defaultHelperCommand, HelperProcess, type HelperCommand } from './helper-process';

export interface ListDevicesOptions {
  /** Open each device at each standard rate to see which work (about 50 ms per try). */
  probeRates?: boolean;
  /** Extra environment for the helper (a test rig's PULSE_SERVER, ALSA_CONFIG_PATH...). */
  env?: NodeJS.ProcessEnv;
  deadlineMs?: number;
  helper?: HelperCommand;
}

export async function listDevices(options: ListDevicesOptions = {}): Promise<{ devices: AudioInputDevice[] } | { error: AppError }> {
  const command = options.helper ?? defaultHelperCommand();
  if (!command) return { error: appError('AUDIO_INPUT_HELPER_MISSING', 'The audio input helper is missing from this installation') };
  const deadlineMs = options.deadlineMs ?? 8000;
  const logs: string[] = [];
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: { devices: AudioInputDevice[] } | { error: AppError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void helper.end(500);
      resolve(result);
    };
    const helper = new HelperProcess(command, options.env ?? {}, { type: 'list', probeRates: options.probeRates ?? true }, {
      onReply: (reply) => {
        if (reply.type === 'devices') settle({ devices: reply.devices });
        else if (reply.type === 'failed') settle({ error: appError(reply.code, reply.message, reply.detail) });
      },
      onLog: (line) => logs.push(line),
      onExit: (code, signal) =>
        settle({ error: appError('AUDIO_INPUT_HELPER', `The audio device list could not be read (helper ended: ${signal ?? code})`, logs.slice(-10).join('\n')) }),
    });
    const timer = setTimeout(
      () => settle({ error: appError('AUDIO_INPUT_LIST_TIMEOUT', `The sound system did not list its devices within ${deadlineMs} ms (is the sound server stalled?)`) }),
      deadlineMs,
    );
  });
}
