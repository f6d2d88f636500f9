// Builds the native AES67 pacing thread (native/rtp-pacer) with node-gyp and copies the addon
// beside the engine bundle (out/main/rtp_pacer.node; electron-builder unpacks *.node from the
// asar). Node-API only: the same binary loads in Node and in Electron, no rebuild per runtime.
// A missing compiler or a failed build never fails `npm run build`: the sender then falls
// back to the JavaScript pacer and the operator log says why.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native', 'rtp-pacer');
const built = join(dir, 'build', 'Release', 'rtp_pacer.node');

function nodeGyp() {
  // node-gyp ships with npm; never download it (or Node's headers: npm's nodedir points at them).
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((p) => p && existsSync(p));
}

/** Node's own headers (node_api.h): npm's nodedir, else the installation running this script. Never downloaded. */
function nodeDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')];
  return candidates.find((dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h')));
}

function warn(message) {
  console.warn(`build-native: ${message}; the AES67 sender will use the JavaScript pacer.`);
}

if (process.platform !== 'linux') {
  warn(`the native pacer is built on Linux only (this is ${process.platform})`);
} else {
  const gyp = nodeGyp();
  const headers = nodeDir();
  if (!gyp) warn('node-gyp not found');
  else if (!headers) warn("Node's headers (include/node/node_api.h) not found");
  else {
    const result = spawnSync(process.execPath, [gyp, 'rebuild', '--loglevel=warn', `--nodedir=${headers}`], { cwd: dir, stdio: 'inherit' });
    if (result.status !== 0 || !existsSync(built)) warn(`node-gyp failed (exit ${result.status})`);
    else {
      mkdirSync(join(root, 'out', 'main'), { recursive: true });
      copyFileSync(built, join(root, 'out', 'main', 'rtp_pacer.node'));
      console.log('build-native: out/main/rtp_pacer.node');
    }
  }
}
