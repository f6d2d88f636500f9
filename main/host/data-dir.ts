import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where settings, logs, reports and the pid file live. Desktop and headless share it. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env = process.env): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Airtight');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Airtight');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'airtight');
}

export interface DataPaths {
  dir: string;
  settings: string;
  logFile: string;
  enginePid: string;
  runState: string;
  shutdownReports: string;
  /** AES67 SDP session id and version, kept across restarts. */
  aes67SdpSession: string;
}

export function dataPaths(dir: string): DataPaths {
  mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  return {
    dir,
    settings: join(dir, 'settings.json'),
    logFile: join(dir, 'logs', 'airtight.log'),
    enginePid: join(dir, 'engine.pid'),
    runState: join(dir, 'run-state.json'),
    shutdownReports: join(dir, 'shutdown-reports.jsonl'),
    aes67SdpSession: join(dir, 'aes67-sdp-session.json'),
  };
}
