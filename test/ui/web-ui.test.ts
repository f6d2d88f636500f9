/**
 * The web UI in Debian's Chromium, against a real headless Airtight (`--ui-port`) streaming to
 * a real Icecast: every check reads the peer (Icecast's status-json, the recording on disk,
 * settings.json), not the page alone. Screenshots of the main window and each settings page
 * go to artifacts/ui/. Skipped with a printed reason where Chromium is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, isPresent, lastReport, startAirtight, tempDataDir, treeOf, waitUntil, table, type RunningAirtight } from '../helpers/airtight-process';
import { Icecast, type IcecastStatusSource } from '../helpers/icecast';
import { freePort, killTree } from '../helpers/ports';
import { chromiumMissing, launchChromium } from '../helpers/chromium';
import { descendantsOf } from '../../main/shared/process-table';
import { SettingsSchema, SETTINGS_VERSION } from '../../main/settings/settings-schema';
import { WindowShortcutsSchema } from '../../main/settings/interface-settings-schema';
import { SETTINGS_PAGES } from '../../renderer/src/settings/SettingsView';

const ARTIFACTS = join(ROOT, 'artifacts', 'ui');
const SOURCE_PASSWORD = 'ui-rig-pass';
const MOUNT = '/webui.mp3';
const missing = chromiumMissing();
/** The in-window shortcuts are the settings' (defaults here), in Playwright's key names. */
const WINDOW_KEYS = WindowShortcutsSchema.parse({});
const key = (accelerator: string): string => accelerator.replace('CommandOrControl', 'Control');
if (missing) console.log(`web UI tests skipped: ${missing}`);

let icecast: Icecast | undefined;
let airtight: RunningAirtight | undefined;
let browser: Browser | undefined;
let page: Page;
let chromiumPids: number[] = [];
let airtightArgs: string[] = [];
let uiUrl = '';
let recordDir = '';
const pageProblems: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function icecastTitle(): Promise<string | undefined> {
  const status = await icecast!.status();
  const sources = status?.source === undefined ? [] : Array.isArray(status.source) ? status.source : [status.source];
  return sources.find((s: IcecastStatusSource) => String(s.listenurl).endsWith(MOUNT))?.title;
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function recordingBytes(): number {
  return readdirSync(recordDir).reduce((sum, f) => sum + statSync(join(recordDir, f)).size, 0);
}

async function openPage(): Promise<void> {
  page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
  page.setDefaultTimeout(10_000);
  // Injected by the driver, so the page's CSP does not apply to it: it only records violations.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (message) => message.type() === 'error' && pageProblems.push(`console: ${message.text()}`));
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => pageProblems.push(`request failed: ${request.url()}`));
  await page.goto(uiUrl);
  await page.getByTestId('lcd-state').waitFor();
  await until(async () => (await page.getByTestId('link-banner').count()) === 0, 10_000, 'the page to connect to the event API');
}

/**
 * Starts Airtight serving the web UI. The two ports were free a moment ago, but a test running
 * in parallel may bind one first (the page then loads another process's event API: 426): when
 * Airtight says it could not bind, it is stopped and started again on new ports (3 tries).
 */
async function startWithUi(dataDir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const uiPort = await freePort('tcp');
    const apiPort = await freePort('tcp');
    airtightArgs = ['--ui-port', String(uiPort), '--api-port', String(apiPort)];
    airtight = await startAirtight({ dataDir, args: airtightArgs });
    const said = await airtight.waitForOutput(new RegExp(`Web UI on http://127\\.0\\.0\\.1:${uiPort}/|Could not (serve the web UI|start the event API)`), 15_000);
    if (said.startsWith('Web UI on')) {
      uiUrl = `http://127.0.0.1:${uiPort}/`;
      return;
    }
    console.log(`attempt ${attempt}: ${said} (a port was taken after it was picked); starting again on new ports`);
    killTree(airtight.pid);
    await airtight.exited;
    if (attempt === 3) throw new Error(`Airtight could not bind its web UI or event API in 3 tries: ${said}`);
  }
}

describe.skipIf(missing !== undefined)('web UI in Chromium against a headless Airtight and Icecast', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    icecast = await Icecast.start({ sourcePassword: SOURCE_PASSWORD });
    const dataDir = tempDataDir('airtight-webui-');
    recordDir = tempDataDir('airtight-webui-rec-');
    // The tone source (no sound card needed) and a recording folder of our own; no server yet: the UI adds it.
    const settings = SettingsSchema.parse({ version: SETTINGS_VERSION, audio: { input: { source: 'tone' }, record: { folder: recordDir, fileName: 'webui_%H%M%S.wav', codec: 'wav' } } });
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(settings, null, 2));
    await startWithUi(dataDir);
    const before = new Set(descendantsOf(table, process.pid).map((p) => p.pid));
    browser = await launchChromium();
    chromiumPids = descendantsOf(table, process.pid).map((p) => p.pid).filter((pid) => !before.has(pid));
    await openPage();
  });

  afterAll(async () => {
    if (pageProblems.length > 0) console.log(`what the page reported:\n${pageProblems.join('\n')}`);
    await browser?.close();
    // Chromium's whole process tree ends with the browser.
    expect(chromiumPids.length).toBeGreaterThan(0);
    expect(await waitUntil(() => chromiumPids.every((pid) => !isPresent(pid)), 5000)).toBe(true);
    if (airtight) killTree(airtight.pid);
    await icecast?.remove();
  });

  it('edits a server in Settings, saves it, and it survives a reload and is in settings.json', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Servers' }).click();
    // A field error from the schema first: an empty address is refused before anything is sent.
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Studio');
    await page.getByLabel('Address', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.field-error').count()).toBeGreaterThan(0);
    await page.getByLabel('Address', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Port', { exact: true }).fill(String(icecast!.port));
    await page.getByLabel('Mount', { exact: true }).fill(MOUNT.slice(1));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByLabel(/^Password/).fill(SOURCE_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByTestId('server-note').filter({ hasText: 'Password stored' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const note = page.getByTestId('server-note');
    await until(async () => !(await note.textContent())?.includes('Testing'), 10_000, 'the server test');
    expect(await note.getAttribute('class')).toContain('ok-text');

    await page.reload();
    await page.getByRole('tab', { name: 'Servers' }).waitFor();
    await expect.poll(() => page.getByRole('listbox', { name: 'Servers' }).locator('option').allTextContents()).toContain('Studio');
    const onDisk = JSON.parse(readFileSync(join(airtight!.dataDir, 'settings.json'), 'utf8')) as { stream: { servers: { name: string; port: number; mount: string }[] } };
    expect(onDisk.stream.servers).toEqual([expect.objectContaining({ name: 'Studio', port: icecast!.port, mount: MOUNT.slice(1) })]);
    expect(JSON.stringify(onDisk)).not.toContain(SOURCE_PASSWORD);
  });

  it('saves a screenshot of every settings page', async () => {
    for (const { id, title } of SETTINGS_PAGES) {
      await page.getByRole('tab', { name: title, exact: true }).click();
      await page.getByRole('tabpanel').getByRole('heading', { name: title }).waitFor();
      // Pages that ask the host for something (the file-name preview) are shot once it answered.
      if (id === 'recording') await expect.poll(() => page.getByTestId('record-preview').textContent(), { timeout: 5000 }).toContain(recordDir);
      await shot(`settings-${id}`);
    }

    // BUTT config: the export names our server; importing that same text keeps it (a round trip through BUTT's format).
    await page.getByRole('tab', { name: 'BUTT config', exact: true }).click();
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const exported = page.getByRole('textbox', { name: 'Exported BUTT config' });
    await expect.poll(() => exported.inputValue()).toContain('[Studio]');
    await page.getByLabel('or paste it').fill(await exported.inputValue());
    await page.getByRole('button', { name: /^Import/ }).click();
    await page.getByText('Imported: the settings were replaced.').waitFor();
    const afterImport = JSON.parse(readFileSync(join(airtight!.dataDir, 'settings.json'), 'utf8')) as { stream: { servers: { name: string; port: number }[] } };
    expect(afterImport.stream.servers).toEqual([expect.objectContaining({ name: 'Studio', port: icecast!.port })]);

    // The theme setting applies at once (saved through the host, echoed by settings.changed).
    await page.getByRole('tab', { name: 'Interface', exact: true }).click();
    await page.getByLabel('Theme').selectOption('light');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.getByRole('button', { name: 'Main' }).click();
    await shot('main-window-light');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Interface', exact: true }).click();
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  });

  it('connect: the display counts and Icecast lists the mount; title reaches Icecast; record grows a file; stop all ends everything', async () => {
    await page.getByRole('button', { name: 'Main' }).click();
    await page.getByRole('button', { name: /^Connect/ }).first().click();
    expect(await icecast!.waitForMount(MOUNT, true, 15_000)).toBe(true);
    await page.getByTestId('lcd-state').filter({ hasText: 'ON AIR' }).waitFor({ timeout: 10_000 });
    await until(async () => (await page.getByTestId('lcd-value').textContent()) !== '00:00:00', 10_000, 'the stream time to count');
    const first = await page.getByTestId('lcd-value').textContent();
    await until(async () => (await page.getByTestId('lcd-value').textContent()) !== first, 5000, 'the stream time to move on');
    await page.getByTestId('lcd-value').click(); // next view: data sent
    await expect.poll(() => page.getByTestId('lcd-label').textContent()).toBe('data sent');
    await expect.poll(() => page.getByTestId('lcd-value').textContent(), { timeout: 10_000 }).toMatch(/^[1-9]\d* KB|MB/);
    await expect.poll(() => page.locator('[data-server="Studio"] .server-state').textContent()).toBe('connected');

    await page.getByLabel(/^Title/).fill('Web UI - Test Song');
    await page.getByLabel(/^Title/).press('Enter');
    await until(async () => (await icecastTitle()) === 'Web UI - Test Song', 10_000, 'the title in Icecast');

    await page.getByRole('button', { name: /^Record/ }).click();
    await until(async () => recordingBytes() > 0, 10_000, 'the recording file');
    const bytes = recordingBytes();
    await until(async () => recordingBytes() > bytes, 10_000, 'the recording to grow');
    await page.getByTestId('lcd-state').filter({ hasText: 'ON AIR · REC' }).waitFor();
    await shot('main-window-on-air');

    await page.getByRole('button', { name: /^Stop all/ }).click();
    expect(await icecast!.waitForMount(MOUNT, false, 10_000)).toBe(true);
    await page.getByTestId('lcd-state').filter({ hasText: 'IDLE' }).waitFor({ timeout: 10_000 });
    const stopped = recordingBytes();
    await new Promise((r) => setTimeout(r, 1000));
    expect(recordingBytes()).toBe(stopped);
    await shot('main-window-idle');
  });

  it('runs the main actions from the keyboard alone, with names a screen reader can read', async () => {
    // Tab reaches every main control.
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    const reached = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el ? (el.getAttribute('aria-label') ?? el.textContent ?? el.id).trim() : '';
      });
      reached.add(name);
    }
    for (const control of [/^Connect/, /^Record/, /^Stop all/, /^Send$/, /^Quit Airtight$/]) expect([...reached].some((n) => control.test(n))).toBe(true);
    expect(await page.getByRole('meter', { name: 'Left channel level' }).getAttribute('aria-valuenow')).not.toBeNull();

    await page.keyboard.press(key(WINDOW_KEYS.connect));
    expect(await icecast!.waitForMount(MOUNT, true, 15_000)).toBe(true);
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 10_000 }).toMatch(/^On air/);
    await page.keyboard.press('Alt+T');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('title-input');
    await page.keyboard.type('Keyboard Only');
    await page.keyboard.press('Enter');
    await until(async () => (await icecastTitle()) === 'Keyboard Only', 10_000, 'the keyboard title in Icecast');
    await page.keyboard.press(key(WINDOW_KEYS.recordToggle));
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 10_000 }).toBe('On air, recording');
    await page.keyboard.press(key(WINDOW_KEYS.stopAll));
    expect(await icecast!.waitForMount(MOUNT, false, 10_000)).toBe(true);
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 10_000 }).toBe('Not streaming, not recording');
  });

  it('quit while on air asks first, then shows the shutdown steps; Airtight exits clean and leaves no process', async () => {
    await page.getByRole('button', { name: /^Connect/ }).first().click();
    expect(await icecast!.waitForMount(MOUNT, true, 15_000)).toBe(true);
    const tree = treeOf(airtight!.pid);
    await page.getByRole('button', { name: 'Quit Airtight' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quit while on air?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep running' }).click();
    expect(await icecast!.mounts()).toContain(MOUNT);
    await page.getByRole('button', { name: 'Quit Airtight' }).click();
    await dialog.getByRole('button', { name: 'Quit now' }).click();
    await page.getByRole('region', { name: 'Shutting down' }).waitFor({ timeout: 5000 });
    const exit = await airtight!.exited;
    expect(exit.code).toBe(0);
    expect(lastReport(airtight!.dataDir).clean).toBe(true);
    expect(await waitUntil(() => tree.every((p) => !isPresent(p.pid)), 3000)).toBe(true);
    await page.getByTestId('link-banner').filter({ hasText: 'Disconnected from Airtight' }).waitFor({ timeout: 10_000 });
    await shot('main-window-disconnected');
  });

  it('the open page reconnects by itself when Airtight is back, and shows the new engine', async () => {
    const before = airtight!;
    const banner = page.getByTestId('link-banner');
    expect(await banner.textContent()).toMatch(/Disconnected from Airtight .*Trying again in \d+ s/);
    // Same data dir (same token) and ports: what a service manager's restart does.
    airtight = await startAirtight({ dataDir: before.dataDir, args: airtightArgs });
    await until(async () => (await banner.count()) === 0, 15_000, 'the page to reconnect');
    await page.getByRole('status').filter({ hasText: `Engine running (pid ${airtight.enginePid})` }).waitFor();
    expect(await page.getByRole('region', { name: 'Shutting down' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Quit Airtight' }).isEnabled()).toBe(true);
    await expect.poll(() => page.locator('[data-server="Studio"]').count()).toBe(1);
    await page.getByRole('button', { name: /^Connect/ }).first().click();
    expect(await icecast!.waitForMount(MOUNT, true, 15_000)).toBe(true);
    await page.getByRole('button', { name: /^Stop all/ }).click();
    expect(await icecast!.waitForMount(MOUNT, false, 10_000)).toBe(true);
  });

  it("a server that refuses the password: the test says so, and its row shows the server's error in words", async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Servers' }).click();
    await page.getByLabel(/^Password/).fill('not-the-password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByTestId('server-note').filter({ hasText: 'Password stored' }).waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const note = page.getByTestId('server-note');
    await until(async () => !/Testing|stored/.test((await note.textContent()) ?? ''), 10_000, 'the server test');
    expect(await note.getAttribute('class')).toContain('error-text');

    await page.getByRole('button', { name: 'Main' }).click();
    await page.getByRole('button', { name: /^Connect/ }).first().click();
    const error = page.locator('[data-server="Studio"] .server-error');
    await error.waitFor({ timeout: 15_000 });
    expect((await error.textContent())?.length ?? 0).toBeGreaterThan(10);
    expect(await icecast!.mounts()).not.toContain(MOUNT);
    await shot('main-window-server-error');
    await page.getByRole('button', { name: /^Stop all/ }).click();
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 10_000 }).toBe('Not streaming, not recording');
    // What the page met on the way: nothing but the expected loss of the link while Airtight was away.
    expect(pageProblems.filter((p) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
  });
});
