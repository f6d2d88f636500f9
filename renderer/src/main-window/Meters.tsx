/**
 * Stereo meters with peak hold and loudness. Drawn in requestAnimationFrame straight from the
 * latest `audio.levels` (store/levels.ts): the DOM is touched, React is not re-rendered. Each
 * bar is a role=meter whose value screen readers can read (updated twice a second, not 60).
 */
import type React from 'react';
import { useEffect, useRef } from 'react';
import { currentLevels } from '../store/levels';
import { db } from '../store/format';

const FLOOR_DB = -60;
/** Levels older than this are stale (no source, link down): the bars fall to the floor. */
const STALE_MS = 1000;
const ARIA_EVERY_MS = 500;
const CHANNELS = ['L', 'R'] as const;
/** Scale marks; their positions are in styles.css (.tick-N), linear in dB like the bars. */
const SCALE_DB = [-60, -48, -36, -24, -18, -12, -6, 0] as const;

function fraction(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, (value - FLOOR_DB) / -FLOOR_DB));
}

export function Meters(): React.JSX.Element {
  const covers = useRef<(HTMLDivElement | null)[]>([]);
  const holds = useRef<(HTMLDivElement | null)[]>([]);
  const meters = useRef<(HTMLDivElement | null)[]>([]);
  const readouts = useRef<(HTMLSpanElement | null)[]>([]);
  const loudness = useRef<HTMLSpanElement | null>(null);

  useEffect(() => {
    let frame = 0;
    let lastAria = 0;
    const draw = (now: number): void => {
      const levels = currentLevels();
      const fresh = levels && now - levels.at < STALE_MS ? levels : undefined;
      const updateAria = now - lastAria > ARIA_EVERY_MS;
      CHANNELS.forEach((_, i) => {
        const channel = fresh?.channels[i] ?? fresh?.channels[0];
        const peak = channel?.peakDb;
        // The colour zones stay put (green / amber / red by level); a cover hides what is above the level.
        const cover = covers.current[i];
        if (cover) cover.style.transform = `scaleX(${1 - fraction(peak)})`;
        const hold = holds.current[i];
        if (hold) hold.style.left = `${fraction(channel?.peakHoldDb) * 100}%`;
        const readout = readouts.current[i];
        if (readout) readout.textContent = db(peak);
        const meter = meters.current[i];
        if (meter && updateAria) {
          const value = Math.max(FLOOR_DB, Math.round(peak ?? FLOOR_DB));
          meter.setAttribute('aria-valuenow', String(value));
          meter.setAttribute('aria-valuetext', `${db(peak)} dBFS`);
        }
      });
      if (loudness.current) {
        const lufs = fresh?.shortTermLufs ?? fresh?.momentaryLufs;
        loudness.current.textContent = lufs !== undefined && Number.isFinite(lufs) && lufs > -70 ? `${lufs.toFixed(1)} LUFS` : '– LUFS';
      }
      if (updateAria) lastAria = now;
      frame = requestAnimationFrame(draw);
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, []);

  return (
    <section className="meters" aria-label="Input levels">
      {CHANNELS.map((name, i) => (
        <div className="meter-row" key={name}>
          <span className="meter-name" aria-hidden="true">
            {name}
          </span>
          <div
            className="meter"
            role="meter"
            aria-label={`${name === 'L' ? 'Left' : 'Right'} channel level`}
            aria-valuemin={FLOOR_DB}
            aria-valuemax={0}
            aria-valuenow={FLOOR_DB}
            ref={(el) => void (meters.current[i] = el)}
          >
            <div className="meter-zones" />
            <div className="meter-cover" ref={(el) => void (covers.current[i] = el)} />
            <div className="meter-hold" ref={(el) => void (holds.current[i] = el)} />
          </div>
          <span className="meter-readout" ref={(el) => void (readouts.current[i] = el)}>
            -∞
          </span>
        </div>
      ))}
      <div className="meter-scale" aria-hidden="true">
        {SCALE_DB.map((mark) => (
          <span key={mark} className={`tick tick-${-mark}`}>
            {mark}
          </span>
        ))}
      </div>
      <span className="loudness" data-testid="loudness" ref={loudness}>
        – LUFS
      </span>
    </section>
  );
}
