#!/usr/bin/env node
// `npm run test:e2e`: runs the Electron-only suite (e2e/**/*.e2e.ts) when an Electron binary
// is there, under xvfb-run when there is no display; otherwise prints one line saying why
// it was skipped and exits 0. Never requires 'electron' (that would try to download it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT, findElectronBinary } from './electron-binary.mjs';

const say = (message) => console.log(`electron e2e: ${message}`);

const binary = findElectronBinary();
if (!binary.present) {
  say(`skipped: ${binary.reason}`);
  process.exit(0);
}

if (!existsSync(join(ROOT, 'out', 'main', 'index.js'))) {
  say('out/main/index.js is missing: run "npm run build" first');
  process.exit(1);
}

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((file) => existsSync(file));

let command = [];
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  const xvfbRun = onPath('xvfb-run');
  if (!xvfbRun) {
    say('skipped: no DISPLAY and no xvfb-run to make one (apt-get install xvfb xauth)');
    process.exit(0);
  }
  command = [xvfbRun, '-a'];
}

// Under a child subreaper when the project's helper is there: Chromium's helper processes
// outlive the main process by a moment, and a pid 1 that never reaps would keep them as zombies.
const reaper = join(ROOT, 'scripts', 'with-reaper.mjs');
const vitest = ['vitest', 'run', '--config', 'e2e/vitest.e2e.config.mts', ...process.argv.slice(2)];
command.push(...(existsSync(reaper) ? [process.execPath, reaper, ...vitest] : [join(ROOT, 'node_modules', '.bin', 'vitest'), ...vitest.slice(1)]));

say(`running with ${binary.path}${command[0]?.endsWith('xvfb-run') ? ' under xvfb-run' : ''}`);
const result = spawnSync(command[0], command.slice(1), { cwd: ROOT, stdio: 'inherit' });
if (result.error) {
  say(`could not run ${command[0]}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
