/** Runs Debian's real `butt` binary as a control client (it needs no display for that). */
import { spawn, spawnSync } from 'node:child_process';

export function buttUnavailable(): string | null {
  if (spawnSync('sh', ['-c', 'command -v butt'], { stdio: 'ignore' }).status !== 0) return 'butt is not installed (Debian: apt-get install butt)';
  return null;
}

/** `butt <args>` with a bare environment; killed by pid after `timeoutMs`. */
export function runButtClient(args: string[], timeoutMs = 10_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('butt', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, out: `spawn failed: ${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
