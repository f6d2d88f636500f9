/**
 * A BUTT user's station for tests: their .buttrc (the shared fixture) pointed at a test
 * Icecast, and the real `butt` binary as the remote control.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from './airtight-process';
import { BUTT_FIXTURES } from './shared-fixtures';

export const hasButt = spawnSync('which', ['butt']).status === 0;

/** Writes icecast-example.buttrc aimed at `port`/`password`, with extra text replacements. */
export function writeStationButtrc(port: number, password: string, replace: [string, string][] = []): string {
  let text = readFileSync(join(BUTT_FIXTURES, 'icecast-example.buttrc'), 'utf8')
    .replace('port = 8000', `port = ${port}`)
    .replace('password = hackme', `password = ${password}`);
  for (const [from, to] of replace) text = text.replace(from, to);
  const path = join(tempDataDir('airtight-buttrc-'), 'station.buttrc');
  writeFileSync(path, text);
  return path;
}

/** Runs the real butt client against a control port; stdout and stderr together. */
export function butt(port: number, args: string[], udp = false): { code: number | null; out: string } {
  const r = spawnSync('butt', [...(udp ? ['-U'] : []), ...args, '-p', String(port)], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** One line of `butt -S` output ("connected: 1" -> "1"). */
export function statusField(out: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)$`, 'm').exec(out)?.[1];
}
