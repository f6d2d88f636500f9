/**
 * The real desktop app under Electron, driven by Playwright: the window, and every way of
 * quitting it that a test can cause (Quit button, SIGTERM, closing the window), each checked
 * for a clean shutdown report and an empty process tree afterwards.
 *
 * The desktop side against a real Icecast: tray quick stop (also with the renderer frozen),
 * quit while live (the confirmation, then a clean exit), a renderer crash (reloaded, state
 * restored, the stream never stops).
 *
 * Needs the Electron binary (skipped without it; see run-electron-e2e.mjs) and a display.
 * electronApp.close() has no timeout and has left orphans (microsoft/playwright#20357): every
 * wait here has its own deadline, and clean-up kills what a deadline left behind.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { SHUTDOWN_PHASES } from '../main/protocol/shutdown-phases';
import { ShutdownReportSchema, type ShutdownReport } from '../main/protocol/shutdown-report';
import { descendantsOf, systemProcessTable, type ProcessInfo } from '../main/shared/process-table';
import { ROOT, findElectronBinary } from './electron-binary.mjs';
import { Icecast } from '../test/helpers/icecast';
import { writeStationButtrc } from '../test/helpers/butt-station';

const MAIN = join(ROOT, 'out', 'main', 'index.js');
const binary = findElectronBinary();
const table = systemProcessTable();

const LAUNCH_MS = 30_000;
const QUIT_MS = 30_000;
const CLOSE_MS = 10_000;

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunningApp {
  app: ElectronApplication;
  page: Page;
  pid: number;
  dataDir: string;
  /** Set once the Electron main process has exited (and been reaped by Playwright's spawn). */
  exit: ExitInfo | undefined;
  exited: Promise<ExitInfo>;
}

const started: { app: ElectronApplication; pid: number; dataDir: string; exited: Promise<ExitInfo>; isExited(): boolean }[] = [];

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitUntil(check: () => boolean, ms: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await delay(stepMs);
  }
  return check();
}

/** The process and everything below it, as it is now. */
function treeOf(pid: number): ProcessInfo[] {
  const self = table.get(pid);
  return self ? [self, ...descendantsOf(table, pid)] : [];
}

/**
 * Processes from `snapshot` still running. A zombie has ended; once its parent is gone,
 * reaping it is init's (or run-electron-e2e's subreaper's) job, so it does not count.
 */
function stillRunning(snapshot: ProcessInfo[]): ProcessInfo[] {
  return snapshot
    .map((p) => table.get(p.pid))
    .filter((now, i): now is ProcessInfo => now !== undefined && now.startTime === snapshot[i]!.startTime && now.state !== 'Z');
}

function killAll(processes: ProcessInfo[]): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function lastReport(dataDir: string): ShutdownReport {
  const lines = readFileSync(join(dataDir, 'shutdown-reports.jsonl'), 'utf8').trim().split('\n');
  return ShutdownReportSchema.parse(JSON.parse(lines.at(-1)!));
}

function enginePid(dataDir: string): number {
  return (JSON.parse(readFileSync(join(dataDir, 'engine.pid'), 'utf8')) as { enginePid: number }).enginePid;
}

async function launchAirtight(extraArgs: string[] = []): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'airtight-e2e-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  delete env.ELECTRON_RUN_AS_NODE;
  env.AIRTIGHT_ENGINE_DIAGNOSTICS = '1';
  env.AIRTIGHT_E2E_HOOKS = '1'; // globalThis.airtightDesktopShell: the tray's actions (main/app/electron-main.ts)
  const app = await _electron.launch({ args: [MAIN, '--data-dir', dataDir, ...extraArgs], env, cwd: ROOT, timeout: LAUNCH_MS });
  const child = app.process();
  const running = { exit: undefined as ExitInfo | undefined };
  const exited = new Promise<ExitInfo>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      running.exit = { code, signal };
      resolve(running.exit);
    };
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
  });
  const pid = child.pid!;
  started.push({ app, pid, dataDir, exited, isExited: () => running.exit !== undefined });
  const page = await app.firstWindow({ timeout: LAUNCH_MS });
  await page.getByRole('status').filter({ hasText: /Engine running \(pid \d+\)/ }).waitFor({ timeout: LAUNCH_MS });
  return {
    app,
    page,
    pid,
    dataDir,
    exited,
    get exit() {
      return running.exit;
    },
  };
}

/** Waits for the main process to exit, then for every process it had to be gone. */
async function expectCleanExit(running: RunningApp, treeBefore: ProcessInfo[]): Promise<ExitInfo> {
  const exit = await within(running.exited, QUIT_MS, 'Electron main process exit');
  await waitUntil(() => stillRunning(treeBefore).length === 0, CLOSE_MS);
  expect(stillRunning(treeBefore), 'processes of the app still running after it exited').toEqual([]);
  return exit;
}

interface ShutdownView {
  heading: string;
  steps: string[];
}

/** Records every state of the "Shutting down" section the window shows, as it changes. */
async function watchShutdownView(page: Page): Promise<ShutdownView[]> {
  const seen: ShutdownView[] = [];
  await page.exposeFunction('__airtightE2eShutdownView', (view: ShutdownView) => {
    seen.push(view);
  });
  await page.evaluate(() => {
    const report = (): void => {
      const section = document.querySelector('section[aria-label="Shutting down"]');
      if (!section) return;
      const view = {
        heading: section.querySelector('h2')?.textContent ?? '',
        steps: Array.from(section.querySelectorAll('li'), (li) => li.textContent ?? ''),
      };
      (window as unknown as { __airtightE2eShutdownView(v: typeof view): void }).__airtightE2eShutdownView(view);
    };
    new MutationObserver(report).observe(document.body, { subtree: true, childList: true, characterData: true });
    report();
  });
  return seen;
}

let icecast: Icecast | undefined;

/** A real Icecast and a BUTT config that connects to it at startup (mount /butt.mp3). */
async function liveStation(): Promise<string[]> {
  icecast = await Icecast.start({ sourcePassword: 'rigpass' });
  return ['-c', writeStationButtrc(icecast.port, 'rigpass')];
}

/** Runs a tray action in the main process, as the tray menu's click does. */
async function trayAction(running: RunningApp, action: 'stopAll' | 'toggleStreaming' | 'recordToggle'): Promise<void> {
  await within(
    running.app.evaluate(async (_electron, name) => {
      const shell = (globalThis as unknown as { airtightDesktopShell: { actions: { perform(a: string): Promise<void> } } }).airtightDesktopShell;
      await shell.actions.perform(name);
    }, action),
    10_000,
    `tray action ${action}`,
  );
}

async function trayState(running: RunningApp): Promise<string> {
  return running.app.evaluate(() => (globalThis as unknown as { airtightDesktopShell: { status: { view(): { state: string } } } }).airtightDesktopShell.status.view().state);
}

/** Replaces the quit question's dialog (native: Playwright cannot click it); answers `response`, counts the calls. */
async function answerQuitQuestion(running: RunningApp, response: 0 | 1): Promise<void> {
  await running.app.evaluate(({ dialog }, answer) => {
    const g = globalThis as unknown as { quitQuestions: string[] };
    g.quitQuestions ??= [];
    dialog.showMessageBox = (async (...args: unknown[]) => {
      const options = args.find((a): a is { message: string } => typeof a === 'object' && a !== null && 'message' in a);
      g.quitQuestions.push(options?.message ?? '');
      return { response: answer, checkboxChecked: false };
    }) as typeof dialog.showMessageBox;
  }, response);
}

afterEach(async () => {
  await icecast?.stop();
  icecast = undefined;
  for (const entry of started.splice(0)) {
    if (!entry.isExited()) {
      const tree = treeOf(entry.pid);
      // Playwright's own close first (it quits the app through our shutdown), on a deadline.
      await Promise.race([entry.app.close().catch(() => undefined), delay(CLOSE_MS)]);
      if (!entry.isExited()) killAll(tree);
      await Promise.race([entry.exited, delay(CLOSE_MS)]);
      killAll(stillRunning(tree));
    }
    rmSync(entry.dataDir, { recursive: true, force: true });
  }
});

describe.skipIf(!binary.present)('Airtight under Electron', () => {
  it('shows "Engine running" with the engine that runs as its child', async () => {
    const running = await launchAirtight();
    const engine = enginePid(running.dataDir);
    await expect(running.page.getByRole('status').textContent()).resolves.toBe(`Engine running (pid ${engine})`);
    expect(treeOf(running.pid).map((p) => p.pid)).toContain(engine);
    expect(running.exit).toBeUndefined();
    // The tray is up and idle (nothing configured to stream).
    expect(await trayState(running)).toBe('idle');
  });

  it('Quit shows the shutdown steps, then the app exits and leaves no process', async () => {
    const running = await launchAirtight();
    const views = await watchShutdownView(running.page);
    expect(views).toEqual([]);
    const tree = treeOf(running.pid);
    expect(tree.map((p) => p.pid)).toContain(enginePid(running.dataDir));
    await running.page
      .getByRole('button', { name: 'Quit' })
      .click({ timeout: 10_000 })
      // The app may be gone before Playwright has finished with the click.
      .catch((error: unknown) => {
        if (views.length === 0 && running.exit === undefined) throw error;
      });
    const exit = await expectCleanExit(running, tree);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(views.length).toBeGreaterThan(0);
    expect(views[0]!.heading).toBe('Shutting down (app-quit)');
    expect(views[0]!.steps.map((step) => step.split(':')[0])).toEqual([...SHUTDOWN_PHASES]);
    expect(views.some((view) => view.steps.some((step) => /: (running|ok)$/.test(step)))).toBe(true);
    const report = lastReport(running.dataDir);
    expect(report.trigger).toBe('app-quit');
    expect(report.clean).toBe(true);
  });

  it('SIGTERM to the main process runs the shutdown and exits cleanly', async () => {
    const running = await launchAirtight();
    const tree = treeOf(running.pid);
    process.kill(running.pid, 'SIGTERM');
    const exit = await expectCleanExit(running, tree);
    expect(exit).toEqual({ code: 0, signal: null });
    const report = lastReport(running.dataDir);
    expect(report.clean).toBe(true);
    expect(report.trigger).toBe('SIGTERM'); // the adapter's handler, not Electron's own quit-on-signal
  });

  it('closing the window runs the shutdown (trigger window-close) and exits cleanly', async () => {
    const running = await launchAirtight();
    const tree = treeOf(running.pid);
    // BrowserWindow.close() is what the title bar's close button does: 'close' is emitted.
    await running.app.evaluate(({ BrowserWindow }) => {
      BrowserWindow.getAllWindows()[0]?.close();
    });
    const exit = await expectCleanExit(running, tree);
    expect(exit).toEqual({ code: 0, signal: null });
    const report = lastReport(running.dataDir);
    expect(report.trigger).toBe('window-close');
    expect(report.clean).toBe(true);
  });

  it('tray quick stop takes the stream off Icecast and the app stays open, also with the renderer frozen', async () => {
    const running = await launchAirtight(await liveStation());
    expect(await icecast!.waitForMount('/butt.mp3', true, 15_000)).toBe(true);
    expect(await trayState(running)).toBe('on-air');
    await trayAction(running, 'stopAll');
    expect(await icecast!.waitForMount('/butt.mp3', false, 5000)).toBe(true);
    expect(await trayState(running)).toBe('idle');
    await delay(1000);
    expect(running.exit).toBeUndefined();

    // Freeze the renderer (a busy loop that never yields), go on air again, quick stop again.
    await trayAction(running, 'toggleStreaming');
    expect(await icecast!.waitForMount('/butt.mp3', true, 15_000)).toBe(true);
    void running.page.evaluate(() => {
      for (;;) {
        // hung on purpose
      }
    }).catch(() => undefined);
    await delay(500);
    await trayAction(running, 'stopAll');
    expect(await icecast!.waitForMount('/butt.mp3', false, 5000)).toBe(true);
    expect(running.exit).toBeUndefined();
  });

  it('quit while on air asks first: "keep running" keeps streaming; "quit" exits cleanly and leaves no process', async () => {
    const running = await launchAirtight(await liveStation());
    expect(await icecast!.waitForMount('/butt.mp3', true, 15_000)).toBe(true);
    await answerQuitQuestion(running, 0);
    await running.app.evaluate(({ app }) => app.quit());
    await delay(1500);
    expect(running.exit).toBeUndefined();
    expect(await icecast!.mounts()).toContain('/butt.mp3');
    expect(await running.app.evaluate(() => (globalThis as unknown as { quitQuestions: string[] }).quitQuestions)).toEqual(['Airtight is streaming. Quit anyway?']);

    await answerQuitQuestion(running, 1);
    const views = await watchShutdownView(running.page);
    const tree = treeOf(running.pid);
    await running.app.evaluate(({ app }) => app.quit()).catch(() => undefined); // the app may be gone first
    const exit = await expectCleanExit(running, tree);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(views[0]?.heading).toBe('Shutting down (app-quit)');
    const report = lastReport(running.dataDir);
    expect(report.trigger).toBe('app-quit');
    expect(report.clean).toBe(true);
    expect(await icecast!.waitForMount('/butt.mp3', false, 5000)).toBe(true);
  });

  it('a crashed renderer is reloaded and shows the state again; the stream never stops', async () => {
    const running = await launchAirtight(await liveStation());
    expect(await icecast!.waitForMount('/butt.mp3', true, 15_000)).toBe(true);
    const enginePidBefore = enginePid(running.dataDir);
    await running.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.webContents.forcefullyCrashRenderer());
    // The reloaded page restores what it shows from the host.
    const page = (await running.app.windows())[0] ?? (await running.app.firstWindow());
    await page.getByRole('status').filter({ hasText: /Engine running \(pid \d+\)/ }).waitFor({ timeout: LAUNCH_MS });
    expect(enginePid(running.dataDir)).toBe(enginePidBefore);
    expect(await icecast!.mounts()).toContain('/butt.mp3');
    const log = readFileSync(join(running.dataDir, 'logs', 'airtight.log'), 'utf8');
    expect(log).toMatch(/RENDERER_GONE/);
    expect(running.exit).toBeUndefined();
  });
});
