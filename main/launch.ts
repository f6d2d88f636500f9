/**
 * `npm start`: runs the desktop app when Electron can run here, otherwise the headless host,
 * and says which and why. Never `require('electron')` under Node: it starts a download.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCliArgs } from './host/cli-args';
import { runHeadless } from './host/headless';
import { runLaunchControl } from './host/control/launch-control';
import { hasControlFlag } from './host/control/client-args';
import { defaultDataDir } from './host/data-dir';

const argv = process.argv.slice(2);
const engineEntry = join(__dirname, 'engine.js');

function electronBinary(): string | undefined {
  try {
    const pkgDir = dirname(require.resolve('electron/package.json'));
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const relative = readFileSync(join(pkgDir, 'path.txt'), 'utf8').trim();
    const binary = override ? join(override, relative) : join(pkgDir, 'dist', relative);
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** Electron >= 45 fetches its binary on first use, not at npm install: do that here, once. */
function ensureElectronBinary(): string | undefined {
  const existing = electronBinary();
  if (existing || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return existing;
  try {
    const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
    process.stdout.write('airtight: fetching the Electron binary (first start only)...\n');
    spawnSync(process.execPath, [installer], { stdio: 'inherit', timeout: 180_000 });
  } catch {
    return undefined;
  }
  return electronBinary();
}

function whyHeadless(): string | undefined {
  const { args } = parseCliArgs(argv, false);
  if (args.headless || args.quit || args.stopAll || args.help || args.version) return undefined;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY/WAYLAND_DISPLAY unset): running headless.';
  }
  if (!ensureElectronBinary()) return 'the Electron binary is not installed and could not be fetched: running headless.';
  return 'desktop';
}

// BUTT's control-mode flags (-s -d -r -t -n -q -u -S ...) make this a one-shot client:
// the instance on this data dir first, then the command port.
const mode = hasControlFlag(argv) ? 'control-client' : whyHeadless();
if (mode === 'control-client') {
  const dataDir = parseCliArgs(argv, false).args.dataDir ?? defaultDataDir();
  void runLaunchControl(argv, dataDir).then((code) => process.exit(code));
} else if (mode === 'desktop') {
  const appRoot = join(__dirname, '..', '..');
  const child = spawn(electronBinary()!, [appRoot, ...argv], { stdio: 'inherit' });
  // The desktop app runs its own shutdown on these; we just pass them on and wait.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  void runHeadless(argv, { engineEntry, ...(mode ? { notice: mode } : {}) }).then((code) => process.exit(code));
}
