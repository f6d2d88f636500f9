import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Packages the real app with the real electron-builder, minus the Electron binary (it cannot be
 * downloaded here): `--dir --linux` with `electronDist` pointing at a stand-in folder that holds
 * only a fake `electron` executable. That still runs config validation (schema: a mistyped key
 * anywhere, mac/nsis included, fails the run), the `files` filter, dependency collection and
 * asar packing with `asarUnpack`, which is what this test checks.
 *
 * It packages a temp copy of the project (sources, tests and docs included, so the exclusion
 * checks can fail), with node_modules symlinked, and adds a throwaway `.node` file to prove
 * native addons land outside the archive. Nothing is written into the repository.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');
const BUILD_TIMEOUT_MS = 90_000;

// @electron/asar is what electron-builder packs with: resolve it through electron-builder's own
// dependency chain (electron-builder -> app-builder-lib -> @electron/asar), not via hoisting.
const requireHere = createRequire(import.meta.url);
const requireFromBuilder = createRequire(requireHere.resolve('electron-builder/package.json'));
const requireFromLib = createRequire(requireFromBuilder.resolve('app-builder-lib/package.json'));
interface Asar {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  statFile(archive: string, file: string): { unpacked?: boolean };
  extractFile(archive: string, file: string): Buffer;
}
const asar = requireFromLib('@electron/asar') as Asar;
const yaml = requireFromLib('js-yaml') as { load(text: string): unknown };
const builderCli = join(resolve(requireFromBuilder.resolve('electron-builder/package.json'), '..'), 'cli.js');

const PROBE = 'out/main/native/probe.node';

let tmp = '';
let archive = '';
let entries: string[] = [];
let log = '';

/** Run electron-builder in its own process group; kill the whole group on timeout. */
function runBuilder(projectDir: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [builderCli, ...args], {
      cwd: projectDir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new Error(`electron-builder timed out after ${BUILD_TIMEOUT_MS} ms\n${log}`));
    }, BUILD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
  });
}

beforeAll(async () => {
  for (const f of ['out/main/index.js', 'out/preload/index.js', 'out/renderer/index.html']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
  }
  tmp = mkdtempSync(join(tmpdir(), 'airtight-pack-'));

  // Stand-in Electron distribution: electron-builder copies it and renames `electron`.
  const electronDist = join(tmp, 'electron-dist');
  mkdirSync(electronDist);
  writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(electronDist, 'electron'), 0o755);

  const projectDir = join(tmp, 'project');
  const skip = new Set(['node_modules', '.git', 'dist', 'artifacts']);
  cpSync(ROOT, projectDir, {
    recursive: true,
    filter: (src) => src === ROOT || !skip.has(basename(src)) || resolve(src, '..') !== ROOT,
  });
  symlinkSync(join(ROOT, 'node_modules'), join(projectDir, 'node_modules'), 'dir');
  mkdirSync(join(projectDir, 'out/main/native'), { recursive: true });
  writeFileSync(join(projectDir, PROBE), 'not a real addon; only its location matters');

  const outputDir = join(tmp, 'dist');
  const code = await runBuilder(
    projectDir,
    [
      '--dir',
      '--linux',
      '--publish',
      'never',
      '--projectDir',
      projectDir,
      '-c',
      'electron-builder.yml',
      `-c.electronDist=${electronDist}`,
      `-c.directories.output=${outputDir}`,
      // Rebuilding native deps needs Electron headers from the network; not what is tested here.
      '-c.npmRebuild=false',
    ],
    // Any cache electron-builder wants goes to the temp dir, not $HOME.
    { ...process.env, ELECTRON_BUILDER_CACHE: join(tmp, 'cache') },
  );
  if (code !== 0) throw new Error(`electron-builder exited with ${code}\n${log}`);

  archive = join(outputDir, 'linux-unpacked', 'resources', 'app.asar');
  if (existsSync(archive)) {
    entries = asar.listPackage(archive, { isPack: false }).map((e) => e.replace(/\\/g, '/').replace(/^\//, ''));
  }
}, BUILD_TIMEOUT_MS + 10_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('electron-builder.yml packaging (stand-in Electron, --dir --linux)', () => {
  it('produces resources/app.asar', () => {
    expect(existsSync(archive), log).toBe(true);
  });

  it('packs the built bundles and package.json', () => {
    for (const f of [
      'out/main/index.js',
      'out/main/engine.js',
      'out/main/launch.js',
      'out/preload/index.js',
      'out/renderer/index.html',
      'package.json',
    ]) {
      expect(entries).toContain(f);
    }
    // Electron starts from package.json "main": it must point inside the archive.
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { main: string };
    expect(entries).toContain(pkg.main);
  });

  it('packs runtime dependencies', () => {
    expect(entries).toContain('node_modules/react/package.json');
    expect(entries).toContain('node_modules/pino/package.json');
  });

  it('leaves out sources, tests, docs and dev tooling', () => {
    const appEntries = entries.filter((e) => !e.startsWith('node_modules/'));
    const leaked = appEntries.filter(
      (e) =>
        /^(main|preload|renderer|native|test|e2e|bench|docs|scripts)(\/|$)/.test(e) ||
        /\.tsx?$/.test(e) ||
        /^(tsconfig\.json|vitest\.config\.ts|electron\.vite\.config\.ts|electron-builder\.yml)$/.test(e),
    );
    expect(leaked).toEqual([]);
    for (const dev of ['electron', 'electron-builder', 'vitest', 'typescript']) {
      expect(entries).not.toContain(`node_modules/${dev}`);
    }
  });

  it('unpacks native addons (.node) next to the archive', () => {
    expect(entries).toContain(PROBE);
    expect(asar.statFile(archive, PROBE).unpacked).toBe(true);
    expect(existsSync(join(`${archive}.unpacked`, PROBE))).toBe(true);
    // Plain JS stays inside the archive.
    expect(asar.statFile(archive, 'out/main/index.js').unpacked).toBeFalsy();
  });

  // A Linux --dir run never reads these (deb/dmg targets need tools and a Mac), and extendInfo is
  // free-form, so schema validation would not notice them going missing.
  it('keeps the settings only deb and macOS builds read', () => {
    const cfg = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as {
      linux?: { maintainer?: string };
      mac?: { hardenedRuntime?: boolean; extendInfo?: Record<string, unknown> };
    };
    expect(cfg.linux?.maintainer).toMatch(/\S/);
    expect(cfg.mac?.hardenedRuntime).toBe(true);
    expect(cfg.mac?.extendInfo?.NSMicrophoneUsageDescription).toMatch(/\S/);
  });
});
