// Where the Electron binary is, found the way node_modules/electron/index.js finds it, but
// without running that file: on a miss it tries to download the binary, which this project's
// machines cannot do. Shared by run-electron-e2e.mjs and electron.e2e.ts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What @electron/get writes to path.txt for each platform. */
function platformPath(platform) {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

/**
 * @param {string} [root]
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ present: boolean; path: string; reason?: string }}
 */
export function findElectronBinary(root = ROOT, env = process.env) {
  const packageDir = join(root, 'node_modules', 'electron');
  const pathFile = join(packageDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined;
  let path;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) path = join(env.ELECTRON_OVERRIDE_DIST_PATH, executable || 'electron');
  else if (executable) path = join(packageDir, 'dist', executable);
  else path = join(packageDir, 'dist', platformPath(process.platform)); // no path.txt: index.js would download
  const present = (Boolean(env.ELECTRON_OVERRIDE_DIST_PATH) || executable !== undefined) && existsSync(path);
  if (present) return { present, path };
  return { present, path, reason: `no Electron binary at ${path} (the binary cannot be downloaded on this machine)` };
}
