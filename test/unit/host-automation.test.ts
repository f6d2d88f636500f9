import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostAutomation, type AutomationActions } from '../../main/host/host-automation';
import { SettingsSchema } from '../../main/settings/settings-schema';
import { OperatorLog } from '../../main/shared/operator-log';
import { tempDataDir } from '../helpers/airtight-process';
import { join } from 'node:path';

function station(settings: object = {}) {
  const calls: string[] = [];
  let connected = false;
  let recording = false;
  const actions: AutomationActions = {
    connect: async () => void (calls.push('connect'), (connected = true)),
    disconnect: async () => void (calls.push('disconnect'), (connected = false)),
    startRecording: async () => void (calls.push('record'), (recording = true)),
    stopRecording: async () => void (calls.push('stop-record'), (recording = false)),
    isConnected: () => connected,
    isRecording: () => recording,
  };
  const log = new OperatorLog(join(tempDataDir(), 'log.txt'));
  const automation = new HostAutomation(SettingsSchema.parse({ version: 1, ...settings }), actions, log);
  return { automation, calls };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('HostAutomation (BUTT signal/silence thresholds)', () => {
  it('connects after the signal lasted the threshold, disconnects after the silence did', async () => {
    const { automation, calls } = station();
    automation.setThreshold('stream-signal', 2);
    automation.setThreshold('stream-silence', 5);
    automation.onSignal('present');
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['connect']);
    automation.onSignal('absent');
    await vi.advanceTimersByTimeAsync(3000);
    automation.onSignal('present'); // signal back before 5 s of silence: stays on air
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual(['connect']);
    automation.onSignal('absent');
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual(['connect', 'disconnect']);
  });

  it('a threshold set while the signal is already present applies from then; 0 switches it off', async () => {
    const { automation, calls } = station();
    automation.onSignal('present');
    automation.setThreshold('record-signal', 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual(['record']);
    automation.setThreshold('record-silence', 1);
    automation.setThreshold('record-silence', 0);
    automation.onSignal('absent');
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual(['record']);
  });

  it('recording follows the stream when asked (start_rec / stop_rec), and nothing runs after freeze', async () => {
    const { automation, calls } = station({ recordAutomation: { startWithStream: true, stopWithStream: true } });
    automation.onConnectedChanged(true);
    automation.onConnectedChanged(false);
    expect(calls).toEqual(['record', 'stop-record']);
    automation.setThreshold('stream-signal', 1);
    automation.freeze();
    automation.onSignal('present');
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual(['record', 'stop-record']);
  });

  it('takes its rules from the settings', async () => {
    const { automation, calls } = station({ stream: { automation: { startOnSignal: true, signalSeconds: 3 } } });
    automation.onSignal('present');
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toEqual(['connect']);
  });
});
