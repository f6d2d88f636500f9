import { describe, expect, it } from 'vitest';
import { SignalDetector, type SignalTransition } from '../../main/engine/audio/dsp/signal-detector';
import { sine } from './dsp-helpers';

const FS = 44100;
const BLOCK = 441; // 10 ms

/** Feeds the detector in 10 ms blocks and collects transitions with the block they came in. */
function run(det: SignalDetector, signal: Float32Array, channels: number): { t: SignalTransition; blockEnd: number }[] {
  const seen: { t: SignalTransition; blockEnd: number }[] = [];
  for (let f = 0; f < signal.length / channels; f += BLOCK) {
    for (const t of det.process(signal.subarray(f * channels, (f + BLOCK) * channels))) seen.push({ t, blockEnd: f + BLOCK });
  }
  return seen;
}

describe('signal detector (BUTT semantics)', () => {
  it('reports presence and absence at the right frame', () => {
    const det = new SignalDetector(FS, 2, { presentLevelDb: -50, presentSeconds: 0.5, absentLevelDb: -50, absentSeconds: 2 });
    // 1 s silence, 3 s tone at -20 dBFS, 3 s of quiet hiss at -60 dBFS.
    const frames = FS * 7;
    const signal = new Float32Array(frames * 2);
    signal.set(sine(FS, FS * 3, 997, [0.1, 0.1]), FS * 2);
    signal.set(sine(FS, FS * 3, 997, [0.001, 0.001]), FS * 4 * 2);
    const seen = run(det, signal, 2);
    // The first second of silence is shorter than 2 s: no event for it.
    expect(seen.map((s) => s.t)).toEqual([
      { state: 'present', frame: FS + FS / 2 },
      { state: 'absent', frame: FS * 4 + FS * 2 },
    ]);
    // Each one is returned by the block that contains its frame.
    for (const { t, blockEnd } of seen) {
      expect(blockEnd).toBeGreaterThanOrEqual(t.frame);
      expect(blockEnd - BLOCK).toBeLessThan(t.frame);
    }
  });

  it('needs the condition for the whole duration: a short dip does not count', () => {
    const det = new SignalDetector(FS, 1, { presentLevelDb: -50, presentSeconds: 1, absentLevelDb: -60, absentSeconds: 0.3 });
    const frames = FS * 3;
    const signal = sine(FS, frames, 997, [0.1]);
    signal.fill(0, FS / 2, FS / 2 + FS / 5); // 200 ms gap at 0.5 s: shorter than 0.3 s
    const seen = run(det, signal, 1);
    expect(seen.map((s) => s.t)).toEqual([{ state: 'present', frame: FS / 2 + FS / 5 + FS }]);
    expect(det.state).toBe('present');
  });

  it('uses the mean of the channel peaks, like BUTT', () => {
    // Left at -44 dBFS, right silent: mean peak = -50 dBFS, which is not above -50.
    const det = new SignalDetector(FS, 2, { presentLevelDb: -50, presentSeconds: 0.1, absentLevelDb: -70, absentSeconds: 0.1 });
    const a = 2 * Math.pow(10, -50 / 20);
    run(det, sine(FS, FS, 997, [a * 0.999, 0]), 2);
    expect(det.state).toBe('unknown');
    run(det, sine(FS, FS, 997, [a * 1.01, 0]), 2);
    expect(det.state).toBe('present');
  });

  it('refuses durations under 0.1 s with an operator-readable error', () => {
    const det = new SignalDetector(FS, 2);
    const error = det.configure({ presentLevelDb: -50, presentSeconds: 0.05, absentLevelDb: -50, absentSeconds: 1 });
    expect(error?.code).toBe('DSP_SIGNAL_DURATION');
    expect(error?.message).toMatch(/0\.1 s/);
  });
});
