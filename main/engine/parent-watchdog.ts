/**
 * Second line of defence behind the IPC disconnect: if the host dies without the channel
 * noticing (Windows utilityProcess, a wedged pipe), the engine sees its parent pid change or
 * vanish and stops by itself.
 */
export interface ParentWatchdog {
  stop(): void;
}

export function watchParent(
  hostPid: number,
  onGone: (reason: string) => void,
  intervalMs = 200,
  proc: Pick<NodeJS.Process, 'ppid' | 'kill'> = process,
): ParentWatchdog {
  // Compare against the parent seen at start, not hostPid: a launcher may sit in between.
  const initialPpid = proc.ppid;
  const timer = setInterval(() => {
    if (proc.ppid !== initialPpid) return fire(`parent pid changed from ${initialPpid} to ${proc.ppid}`);
    try {
      proc.kill(hostPid, 0);
    } catch {
      fire(`host process ${hostPid} is gone`);
    }
  }, intervalMs);
  let fired = false;
  function fire(reason: string): void {
    if (fired) return;
    fired = true;
    clearInterval(timer);
    onGone(reason);
  }
  return { stop: () => clearInterval(timer) };
}
