/** `npm start` picks a mode and says why; a second launch on the same data dir hands over. */
import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { runLaunch, startAirtight, tempDataDir, type RunningAirtight } from '../helpers/airtight-process';
import { killTree } from '../helpers/ports';

const cleanup: number[] = [];
afterEach(() => cleanup.splice(0).forEach(killTree));

async function finish(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

async function quit(r: RunningAirtight): Promise<void> {
  r.child.kill('SIGTERM');
  expect((await r.exited).code).toBe(0);
}

describe('launch modes', () => {
  it('without a display, npm start runs headless and says so', async () => {
    const dataDir = tempDataDir();
    const child = runLaunch(['--data-dir', dataDir]);
    cleanup.push(child.pid!);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 150 && !/Headless mode/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/no display \(DISPLAY\/WAYLAND_DISPLAY unset\): running headless/);
    expect(out).toMatch(/Engine running \(pid \d+\)/);
    child.kill('SIGINT');
    expect((await once(child, 'exit'))[0]).toBe(0);
  });

  it('with a display but no Electron binary, it runs headless and says why', async () => {
    const child = runLaunch(['--data-dir', tempDataDir()], { DISPLAY: ':99', ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    cleanup.push(child.pid!);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 150 && !/Headless mode/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/Electron binary is not installed/);
    child.kill('SIGTERM');
    expect((await once(child, 'exit'))[0]).toBe(0);
  });

  it('a bad option is refused with exit code 2 and the usage', async () => {
    const { code, out } = await finish(runLaunch(['--headless', '--bogus']));
    expect(code).toBe(2);
    expect(out).toMatch(/Unknown option --bogus/);
    expect(out).toMatch(/Usage: airtight/);
  });

  it('--quit with nothing running says so and fails', async () => {
    const dataDir = tempDataDir();
    const { code, out } = await finish(runLaunch(['--headless', '--data-dir', dataDir, '--quit']));
    expect(code).toBe(1);
    expect(out).toContain(`No Airtight instance is running for ${dataDir}`);
  });

  it('a second launch on the same data dir is handed to the first, which keeps running', async () => {
    const first = await startAirtight();
    cleanup.push(first.pid);
    const { code, out } = await finish(runLaunch(['--headless', '--data-dir', first.dataDir]));
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`Airtight is already running \\(pid ${first.pid}\\)`));
    await first.waitForOutput(/Another launch on this data dir was handed over/);
    // Two data dirs: two independent instances.
    const other = await startAirtight();
    cleanup.push(other.pid);
    expect(other.enginePid).not.toBe(first.enginePid);
    await quit(other);
    await quit(first);
  });
});

describe('--export-buttrc', () => {
  it("writes the data dir's settings as a .buttrc that imports back to the same servers, passwords included", async () => {
    const { loadConfigFile } = await import('../../main/settings/config-loader');
    const { FileSecretStore } = await import('../../main/settings/secrets/secret-store');
    const { BUTT_FIXTURES } = await import('../helpers/shared-fixtures');
    const { writeFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const imported = loadConfigFile(join(BUTT_FIXTURES, 'icecast-example.buttrc'));
    if (!imported.ok) throw new Error(imported.error.message);
    const dataDir = tempDataDir();
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(imported.config.settings));
    const secrets = FileSecretStore.open(join(dataDir, 'secrets.json'));
    if (!secrets.ok) throw new Error(secrets.error.message);
    for (const [ref, value] of imported.config.secrets) secrets.store.set(ref, value);

    const target = join(dataDir, 'exported.buttrc');
    const { code, out } = await finish(runLaunch(['--data-dir', dataDir, '--export-buttrc', target]));
    expect(code, out).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const again = loadConfigFile(target);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.config.settings.stream.servers).toEqual(imported.config.settings.stream.servers);
    expect([...again.config.secrets.values()]).toEqual([...imported.config.secrets.values()]);
    expect([...again.config.secrets.values()]).toContain('hackme');
  });
});
