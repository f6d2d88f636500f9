#!/usr/bin/env node
// Runs a command under tini as a child subreaper. Tests orphan processes on purpose (an
// engine whose host was SIGKILLed); on a normal system init reaps them, but some machines'
// pid 1 never does, and an unreaped zombie would look like a process we left behind.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const [command, ...args] = process.argv.slice(2);
const local = join(process.cwd(), 'node_modules', '.bin', command);
const bin = existsSync(local) ? local : command;
const tini = ['/usr/bin/tini', '/sbin/tini', '/usr/local/bin/tini'].find((p) => existsSync(p));
if (!tini) {
  console.error('with-reaper: tini is not installed (apt-get install tini); orphaned test processes may stay as zombies.');
  process.exit(spawnSync(bin, args, { stdio: 'inherit' }).status ?? 1);
}
const result = spawnSync(tini, ['-s', '-g', '--', bin, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
