/**
 * The host: everything main does that is not Electron. It owns the engine supervisor, the
 * shutdown coordinator, the instance lock, the run history and the settings, and is driven
 * the same way by the Electron adapter and by the headless entry.
 */
import { version } from '../../package.json';
import { EngineSupervisor } from '../engine-host/engine-supervisor';
import type { EngineLauncher } from '../engine-host/engine-process';
import { EnginePidFile } from '../engine-host/engine-pid-file';
import { joinEngineShutdown } from '../engine-host/engine-shutdown';
import { ShutdownCoordinator } from '../lifecycle/shutdown-coordinator';
import { RunHistory, describePreviousRun, summarize } from '../lifecycle/run-history';
import type { ShutdownProgress, ShutdownReport, ShutdownTrigger } from '../protocol/shutdown-report';
import type { EngineStatus } from '../protocol/engine-protocol';
import { SettingsStore } from '../settings/settings-store';
import { OperatorLog, type LogEntry } from '../shared/operator-log';
import { systemProcessTable, type ProcessTable } from '../shared/process-table';
import { toAppError } from '../shared/errors';
import type { CliArgs } from './cli-args';
import { dataPaths, type DataPaths } from './data-dir';
import { applyEnvDiagnostics } from './engine-diagnostics';
import { LiveStatus } from './live-status';
import { startHostControl } from './host-control';
import { answerSecondLaunch, isInstanceRequest } from './second-launch';
import { describeStopAll } from './operator/stop-all';
import type { ControlServer } from './control/server';
import { HostStreams } from './host-streams';
import { HostAutomation } from './host-automation';
import { startHostEventApi, type HostEventApi } from './host-event-api';
import { DEFAULT_EVENT_API_PORT } from './event-api/event-api-server';
import { loadConfigFile } from '../settings/config-loader';
import { FileSecretStore, MemorySecretStore, plainCipher, type SecretCipher, type SecretStore } from '../settings/secrets/secret-store';
import { join } from 'node:path';
import { OperatorHub } from './operator/operator-hub';
import { startHostUi } from './host-ui';
import type { UiServer } from './web-ui/ui-server';
import type { StopAllResult } from '../protocol/operator-api';
import { claimInstance, type InstanceLock, type InstanceReply } from './instance-lock';

/** A screen the host reports to: the desktop window, the headless terminal, the web UI. */
export interface UiSink {
  name: string;
  log?(entry: LogEntry): void;
  shutdownStarted?(trigger: ShutdownTrigger): void;
  shutdownProgress?(progress: ShutdownProgress): void;
  engineState?(state: EngineState): void;
}

export type EngineState =
  | { state: 'starting' }
  | { state: 'running'; pid: number }
  | { state: 'restarting'; reason: string }
  | { state: 'failed'; reason: string }
  | { state: 'stopped' };

/** Something that takes input from the outside world and must stop doing so on quit. */
export interface InputSource {
  name: string;
  freeze(): void | Promise<void>;
}

export interface HostOptions {
  args: CliArgs;
  dataDir: string;
  argv: string[];
  launcher: EngineLauncher;
  engineEntry: string;
  engineEnv?: NodeJS.ProcessEnv;
  table?: ProcessTable;
  /** The built renderer folder the web UI (--ui-port) serves; default out/renderer, next to the engine's out/main. */
  uiRoot?: string;
  /** How secrets are sealed on disk: Electron's safeStorage on the desktop, none headless (0600 file). */
  secretCipher?: SecretCipher;
}

/** Crash-restart policy: a crashing engine is restarted, a crash loop is not. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 300;

export class Host {
  readonly log: OperatorLog;
  readonly coordinator = new ShutdownCoordinator();
  readonly engine: EngineSupervisor;
  readonly settings: SettingsStore;
  readonly paths: DataPaths;
  /** What the engine is doing, from its events (levels, signal, recording, streams). */
  readonly status = new LiveStatus();
  private control: ControlServer | undefined;
  private streams: HostStreams | undefined;
  private api: HostEventApi | undefined;
  private ui: UiServer | undefined;
  /** The operator API (commands and events) both transports use: event API and desktop IPC. */
  readonly operator: OperatorHub;
  automation: HostAutomation | undefined;
  private secrets: SecretStore = new MemorySecretStore();
  /** BUTT's connect_at_startup / rec_after_launch, from the settings or a `-c` file. */
  private startupActions = { connect: false, record: false };
  private readonly sinks: UiSink[] = [];
  private readonly inputs: InputSource[] = [];
  private readonly history: RunHistory;
  private readonly pidFile: EnginePidFile;
  private engineState: EngineState = { state: 'starting' };
  private restarts: number[] = [];
  /** What was on air when the engine crashed, to resume once it is back. */
  private interrupted: { servers: string[]; recording: boolean } | undefined;
  private quitting: Promise<ShutdownReport> | undefined;
  private quitRequester: ((trigger: ShutdownTrigger) => void) | undefined;
  previousRunNotice: string | undefined;

  private constructor(
    private readonly options: HostOptions,
    private readonly lock: InstanceLock,
  ) {
    this.paths = dataPaths(options.dataDir);
    this.log = new OperatorLog(this.paths.logFile);
    this.history = new RunHistory(this.paths.runState, this.paths.shutdownReports);
    const table = options.table ?? systemProcessTable();
    this.pidFile = new EnginePidFile(this.paths.enginePid, table);
    this.settings = new SettingsStore(this.paths.settings);
    this.engine = new EngineSupervisor({
      launcher: options.launcher,
      entry: options.engineEntry,
      env: { ...process.env, ...options.engineEnv },
    });
    this.log.onEntry((entry) => this.sinks.forEach((sink) => sink.log?.(entry)));
    this.coordinator.onProgress((progress) => this.sinks.forEach((sink) => sink.shutdownProgress?.(progress)));
    this.wireEngine();
    this.operator = new OperatorHub({
      engine: this.engine,
      settings: this.settings,
      status: this.status,
      log: this.log,
      secrets: () => this.secrets,
      streams: () => this.streams,
      automation: () => this.automation,
      engineState: () => this.engineState,
      quit: (trigger) => this.requestQuit(trigger),
      addSink: (sink) => this.addSink(sink),
      aes67SessionFile: this.paths.aes67SdpSession,
    });
    this.joinShutdown(table);
  }

  /**
   * Quick stop (tray, shortcut, `stop.all`): streaming, recording and AES67 off, main -> engine
   * directly, whatever the renderer is doing. Each outcome is in the answer and the log.
   */
  stopAll(): Promise<StopAllResult> {
    return this.operator.command({ name: 'stop.all', params: {} }, 'tray') as Promise<StopAllResult>;
  }

  /**
   * Claims the data dir and starts the engine. When another instance already owns the data
   * dir, hands it our arguments and returns its answer instead.
   */
  static async start(options: HostOptions): Promise<{ host: Host } | { forwarded: InstanceReply }> {
    dataPaths(options.dataDir);
    const claim = await claimInstance(options.dataDir, { argv: options.argv, cwd: process.cwd() });
    if (claim.kind === 'secondary') return { forwarded: claim.reply };
    // --quit, --stop-all, -s/-d/-r/-t...: meant for a running instance, never start one.
    if (options.args.quit || isInstanceRequest(options.argv)) {
      await claim.lock.release();
      return { forwarded: { ok: false, message: `No Airtight instance is running for ${options.dataDir}` } };
    }
    const host = new Host(options, claim.lock);
    await host.boot();
    return { host };
  }

  addSink(sink: UiSink): void {
    this.sinks.push(sink);
    sink.engineState?.(this.engineState);
  }

  addInput(input: InputSource): void {
    this.inputs.push(input);
  }

  get state(): EngineState {
    return this.engineState;
  }

  get shuttingDown(): boolean {
    return this.quitting !== undefined;
  }

  async engineStatus(): Promise<EngineStatus> {
    return this.engine.request('engine.status', {});
  }

  /**
   * A quit asked for from outside this process's own front end (event API, command server,
   * a second launch). Headless that is quit(); the desktop app routes it through Electron's
   * quit adapter (useQuitRequester), so the app exits after the shutdown instead of staying
   * up with no engine.
   */
  requestQuit(trigger: ShutdownTrigger): void {
    if (this.quitRequester) this.quitRequester(trigger);
    else void this.quit(trigger);
  }

  useQuitRequester(requester: (trigger: ShutdownTrigger) => void): void {
    this.quitRequester = requester;
  }

  /** Every way of quitting ends here. Idempotent: later calls get the first one's report. */
  quit(trigger: ShutdownTrigger): Promise<ShutdownReport> {
    if (this.quitting) {
      const where = this.coordinator.status;
      this.log.info(`Quit (${trigger}) requested again; already shutting down (${where?.trigger}, step ${where?.phase ?? 'finishing'}).`);
      return this.quitting;
    }
    this.log.info(`Shutting down (${trigger}).`);
    this.quitting = this.coordinator.run(trigger).then(async (report) => {
      const summary = summarize(report);
      if (report.clean) this.log.info(`Shutdown complete: ${summary}`);
      else this.log.error(`Shutdown was not clean: ${summary}`);
      try {
        this.history.finish(report);
      } catch (error) {
        this.log.error('Could not save the shutdown report', toAppError(error, 'REPORT_WRITE_FAILED', 'Report not saved'));
      }
      this.setEngineState({ state: 'stopped' });
      await this.lock.release();
      return report;
    });
    return this.quitting;
  }

  private async boot(): Promise<void> {
    this.log.info(`Airtight ${version} starting (pid ${process.pid}, data dir ${this.paths.dir}).`);
    const notice = describePreviousRun(this.history.begin());
    if (notice) {
      this.previousRunNotice = notice.message;
      this.log[notice.level](notice.message);
    }
    const reclaimed = await this.pidFile.reclaim();
    if (reclaimed) this.log.warn(reclaimed);
    const settingsError = this.settings.load();
    if (settingsError) this.log.error(settingsError.message, settingsError);
    this.openSecrets();
    this.loadConfigFlag();
    this.startupActions.connect ||= this.settings.get().stream.connectAtStartup;
    this.lock.handle((request) => this.onSecondInstance(request.argv));
    await this.startEngine();
    const streams = new HostStreams(this.engine, this.settings, this.secrets, this.status, this.log);
    this.streams = streams;
    this.operator.wireStreams(streams);
    this.addInput({ name: 'stream connections', freeze: () => streams.freeze() });
    const automation = new HostAutomation(
      this.settings.get(),
      {
        connect: () => streams.connect(),
        disconnect: () => streams.disconnect(),
        startRecording: () => this.engine.request('recorder.start', {}).then(() => undefined),
        stopRecording: () => this.engine.request('recorder.stop', {}).then(() => undefined),
        isConnected: () => this.status.get().connected || this.status.get().connecting,
        isRecording: () => this.status.get().recording,
      },
      this.log,
    );
    this.automation = automation;
    this.engine.onEvent((event, data) => {
      if (event === 'audio.signal') automation.onSignal((data as { state: 'present' | 'absent' | 'unknown' }).state);
    });
    this.status.onChange((status) => automation.onConnectedChanged(status.connected));
    this.addInput({ name: 'automation', freeze: () => automation.freeze() });
    this.control = await startHostControl(this, this.options.args, () => this.streams);
    if (this.control) {
      const control = this.control;
      this.addInput({ name: `command server (port ${control.port})`, freeze: () => control.freeze() });
    }
    if (!this.options.args.noApi) {
      const { apiPort, uiPort, uiHost } = this.options.args;
      this.api = await startHostEventApi(this, { port: apiPort ?? DEFAULT_EVENT_API_PORT, ...(uiPort ? { uiPort } : {}), ...(uiHost ? { uiHost } : {}) });
      if (this.api) this.log.info(`Event API on ${this.api.server.bindAddress}:${this.api.server.port} (token in ${join(this.paths.dir, 'api-token')}).`);
      if (this.api && uiPort !== undefined) this.ui = await startHostUi(this, this.api, { port: uiPort, ...(uiHost ? { bindAddress: uiHost } : {}), root: this.options.uiRoot ?? join(this.options.engineEntry, '..', '..', 'renderer') });
    }
    if (this.startupActions.connect) await streams.connect().catch(() => undefined); // problems are logged
    if (this.startupActions.record) {
      await this.engine.request('recorder.start', {}).catch((error: unknown) => {
        const appErr = toAppError(error, 'RECORDER_START_FAILED', 'Recording at launch failed');
        this.log.error(appErr.message, appErr);
      });
    }
  }

  private openSecrets(): void {
    const opened = FileSecretStore.open(join(this.paths.dir, 'secrets.json'), this.options.secretCipher ?? plainCipher);
    if (opened.ok) {
      this.secrets = opened.store;
      return;
    }
    this.log.error(`${opened.error.message} Passwords are kept in memory for this run only.`, opened.error);
  }

  /** `-c <file>`: a BUTT .buttrc or Airtight settings, used for this run (never saved over settings.json). */
  private loadConfigFlag(): void {
    const path = this.options.args.config;
    if (!path) return;
    const loaded = loadConfigFile(path);
    if (!loaded.ok) {
      this.log.error(loaded.error.message, loaded.error);
      return;
    }
    const { config } = loaded;
    this.settings.useForSession(config.settings, path);
    const sessionSecrets = new MemorySecretStore();
    for (const [ref, value] of config.secrets) sessionSecrets.set(ref, value);
    for (const ref of this.secrets.refs()) if (sessionSecrets.get(ref) === undefined) sessionSecrets.set(ref, this.secrets.get(ref) ?? '');
    this.secrets = sessionSecrets;
    this.log.info(`Using ${config.kind === 'buttrc' ? 'BUTT config' : 'settings'} ${path} for this run (${config.settings.stream.servers.length} servers).`);
    for (const note of config.notes) this.log.info(`  ${note}`);
    this.startupActions = { connect: config.flags.connectAtStartup, record: config.flags.recordAtLaunch };
  }

  private async startEngine(): Promise<void> {
    this.setEngineState({ state: 'starting' });
    try {
      await this.engine.start();
    } catch (error) {
      const appErr = toAppError(error, 'ENGINE_START_FAILED', 'The engine could not be started');
      this.log.error(`The engine could not be started: ${appErr.message}`, appErr);
      this.setEngineState({ state: 'failed', reason: appErr.message });
      this.engine.kill('SIGKILL');
      return;
    }
    this.pidFile.write(this.engine.pid!);
    this.setEngineState({ state: 'running', pid: this.engine.pid! });
    this.log.info(`Engine running (pid ${this.engine.pid}).`);
    await this.configureAudio();
    await this.startAes67();
    await applyEnvDiagnostics(this.engine, this.log);
    await this.resumeAfterCrash();
  }

  /**
   * A crash must not take the station off air for good: streams that were running reconnect,
   * and a recording that was running continues in a new file (the old one is complete up to
   * the crash: the recorder writes crash-safe files).
   */
  private async resumeAfterCrash(): Promise<void> {
    const interrupted = this.interrupted;
    this.interrupted = undefined;
    if (!interrupted || this.shuttingDown) return;
    await this.streams?.resume(interrupted.servers);
    if (!interrupted.recording) return;
    try {
      const { path } = await this.engine.request('recorder.start', {});
      this.log.info(`Recording resumed after the engine restart, in ${path}.`);
    } catch (error) {
      const appErr = toAppError(error, 'RECORDER_START_FAILED', 'Recording could not resume after the engine restart');
      this.log.error(appErr.message, appErr);
    }
  }

  /** The AES67 output, when the settings enable it ([aes67] active=1 in a BUTT-fork file). */
  private async startAes67(): Promise<void> {
    if (!this.settings.get().aes67.enabled) return;
    try {
      await this.operator.aes67.start();
    } catch (error) {
      const appErr = toAppError(error, 'AES67_START_FAILED', 'The AES67 output could not start');
      this.log.error(appErr.message, appErr);
    }
  }

  /** Hands the audio settings to the engine; the engine reports what it could open. */
  private async configureAudio(): Promise<void> {
    try {
      const result = await this.engine.request('audio.configure', this.settings.get().audio);
      this.log.info(`Audio input: ${result.source} (${result.format.sampleRate} Hz, ${result.format.channels} ch).`);
    } catch (error) {
      const appErr = toAppError(error, 'AUDIO_CONFIGURE_FAILED', 'The audio input could not be set up');
      this.log.error(appErr.message, appErr);
    }
  }

  private wireEngine(): void {
    this.engine.onEvent((event, data) => {
      this.status.onEngineEvent(event, data);
      if (event === 'engine.log') {
        const entry = data as { level: LogEntry['level']; message: string; error?: LogEntry['error'] };
        if (entry.level === 'error' || entry.level === 'warn') this.log[entry.level](entry.message, entry.error, 'engine');
        else this.log[entry.level](entry.message, 'engine');
      }
    });
    this.engine.onOutput((line, stream) => (stream === 'stderr' ? this.log.warn(line, undefined, 'engine') : this.log.debug(line, 'engine')));
    this.engine.onExit((exit, expected) => {
      if (expected || this.shuttingDown) return;
      const stoppedBy = this.engine.stoppedOnItsOwn ? `stopped by ${this.engine.stoppedOnItsOwn.reason} from outside Airtight` : undefined;
      const reason = stoppedBy ?? (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`);
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
      if (this.restarts.length >= MAX_RESTARTS) {
        const message = `The engine stopped unexpectedly (${reason}) ${MAX_RESTARTS + 1} times within a minute; not restarting. Audio, streams and recording are stopped.`;
        this.log.error(message, { code: 'ENGINE_CRASH_LOOP', message });
        this.streams?.engineGone();
        this.status.update({ recording: false });
        this.interrupted = undefined;
        this.setEngineState({ state: 'failed', reason: message });
        return;
      }
      this.restarts.push(now);
      // Remembered across a crash loop's attempts: resumed by the first engine that stays up.
      const servers = this.streams?.engineGone() ?? [];
      const recording = this.status.get().recording;
      this.status.update({ recording: false });
      this.interrupted = {
        servers: [...new Set([...(this.interrupted?.servers ?? []), ...servers])],
        recording: recording || (this.interrupted?.recording ?? false),
      };
      const message = `The engine stopped unexpectedly (${reason}); restarting it.`;
      this.log.error(message, { code: 'ENGINE_CRASHED', message });
      this.setEngineState({ state: 'restarting', reason });
      // A signal to the whole process group reaches us a moment later: do not restart into a quit.
      setTimeout(() => {
        if (!this.shuttingDown) void this.startEngine();
      }, RESTART_DELAY_MS);
    });
  }

  private joinShutdown(table: ProcessTable): void {
    this.coordinator.join('freeze-inputs', 'second-launch requests', () => {
      this.lock.freeze('Airtight is shutting down');
    });
    this.coordinator.join('freeze-inputs', 'command server', async (ctx) => {
      if (!this.control) return { skipped: 'no command server' };
      await this.control.close(ctx.signal);
      return `port ${this.control.port} closed`;
    });
    this.coordinator.join('freeze-inputs', 'event API commands', () => {
      if (!this.api) return { skipped: 'no event API' };
      this.api.server.freeze();
    });
    this.coordinator.join('freeze-inputs', 'inputs', async () => {
      const names = this.inputs.map((i) => i.name);
      await Promise.all(this.inputs.map((input) => input.freeze()));
      return names.length > 0 ? names.join(', ') : { skipped: 'no inputs registered' };
    });
    this.coordinator.join('notify-ui', 'screens', (ctx) => {
      for (const sink of this.sinks) sink.shutdownStarted?.(ctx.trigger);
      return this.sinks.length > 0 ? this.sinks.map((s) => s.name).join(', ') : { skipped: 'no screens attached' };
    });
    joinEngineShutdown(this.coordinator, this.engine, table, this.pidFile);
    this.coordinator.join('persist-settings', 'web UI', async (ctx) => {
      if (!this.ui) return { skipped: 'no web UI' };
      await this.ui.close(ctx.signal);
      return `port ${this.ui.port} closed`;
    });
    // Closed last, so API clients saw the shutdown's progress.
    this.coordinator.join('persist-settings', 'event API', async (ctx) => {
      if (!this.api) return { skipped: 'no event API' };
      await this.api.server.close(ctx.signal);
    });
    this.coordinator.join('persist-settings', 'settings', () => {
      const notWritten = this.settings.flush();
      return notWritten ? { skipped: notWritten } : 'saved';
    });
  }

  private async onSecondInstance(argv: string[]): Promise<InstanceReply> {
    const answer = await answerSecondLaunch(argv, {
      quit: () => this.requestQuit('second-instance'),
      stopAll: () => this.stopAll().then(describeStopAll),
      run: (command) => this.operator.command(command, 'tray'),
      status: () => this.status.get(),
    });
    if (answer && !answer.ok) this.log.warn(`A launch's request was refused: ${answer.message}`, { code: 'SECOND_LAUNCH_REFUSED', message: answer.message });
    if (answer) return answer;
    this.log.info('Another launch on this data dir was handed over to this instance.');
    return { ok: true, message: `Airtight is already running (pid ${process.pid}).` };
  }

  private setEngineState(state: EngineState): void {
    this.engineState = state;
    for (const sink of this.sinks) sink.engineState?.(state);
  }
}
