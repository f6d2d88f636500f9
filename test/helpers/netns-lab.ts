/**
 * A lab of Linux network namespaces for multicast tests (AES67, PTP): N hosts, each in its
 * own namespace with one interface `eth0` (10.67.<subnet>.<n+1>/24, multicast on, a route for
 * 224.0.0.0/4), joined by a veth pair (2 hosts) or a bridge in a switch namespace (3+ hosts).
 * Nothing is added to the machine's own namespace, so tests never touch its real network.
 *
 *   const lab = await createNetnsLab({ hosts: 2 });
 *   if ('skip' in lab) return ctx.skip(lab.skip);     // not root, no `ip netns`
 *   const [gm, tx] = lab.hosts;
 *   const child = gm.spawn('ptp4l', ['-i', gm.iface, ...]);   // killed by pid on destroy
 *   const out = await tx.run('ip', ['addr']);                 // { code, stdout, stderr }
 *   await lab.destroy();
 *
 * Every process started through the lab is ended by pid on destroy, then the namespaces are
 * deleted. Namespaces left by a crashed run (their creating pid is gone) are swept on create.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface LabHost {
  /** Namespace name, e.g. `atl-1234-1-h0`. */
  readonly ns: string;
  /** Interface inside the namespace (always `eth0`). */
  readonly iface: string;
  /** IPv4 address of `iface`, without prefix length. */
  readonly address: string;
  /** Starts a command inside the namespace; the lab ends it by pid on destroy. */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command inside the namespace to completion (bounded by timeoutMs, default 30 s). */
  run(command: string, args: string[], options?: { timeoutMs?: number; input?: string }): Promise<RunResult>;
}

export interface NetnsLab {
  readonly hosts: LabHost[];
  /** Ends every process started through the lab (SIGTERM, SIGKILL after 2 s), deletes the namespaces. */
  destroy(): Promise<void>;
}

export interface NetnsLabOptions {
  /** Number of hosts, >= 2. */
  hosts: number;
  /** Third octet of 10.67.x.0/24 (default: derived from the pid, so parallel labs differ). */
  subnet?: number;
}

const PREFIX = 'atl-';
let labCounter = 0;

/** Why the lab cannot run here, or null when it can. */
export function netnsLabSkipReason(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespace lab needs root (ip netns add)';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error) return `the ip command is missing (iproute2): ${probe.error.message}`;
  if (probe.status !== 0) return `ip netns refused: ${probe.stderr.trim()}`;
  return null;
}

export async function createNetnsLab(options: NetnsLabOptions): Promise<NetnsLab | { skip: string }> {
  const reason = netnsLabSkipReason();
  if (reason) return { skip: reason };
  if (options.hosts < 2) throw new Error('a lab needs at least 2 hosts');
  sweepStaleLabs();

  const id = `${PREFIX}${process.pid}-${++labCounter}`;
  const subnet = options.subnet ?? ((process.pid + labCounter * 7) % 200) + 20;
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();

  const ip = (args: string[]): void => {
    const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
    if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  };

  const destroy = async (): Promise<void> => {
    await Promise.all([...children].map((child) => endChild(child)));
    children.clear();
    for (const ns of namespaces.splice(0).reverse()) {
      spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    }
  };

  try {
    const hostNames = Array.from({ length: options.hosts }, (_, n) => `${id}-h${n}`);
    for (const ns of hostNames) {
      ip(['netns', 'add', ns]);
      namespaces.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    if (options.hosts === 2) {
      ip(['link', 'add', 'name', 'eth0', 'netns', hostNames[0]!, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNames[1]!]);
    } else {
      const sw = `${id}-sw`;
      ip(['netns', 'add', sw]);
      namespaces.unshift(sw); // deleted last
      ip(['-n', sw, 'link', 'set', 'lo', 'up']);
      // Snooping off: the bridge floods multicast like a dumb switch, with or without a querier.
      ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
      ip(['-n', sw, 'link', 'set', 'br0', 'up']);
      hostNames.forEach((ns, n) => {
        ip(['link', 'add', 'name', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `p${n}`, 'netns', sw]);
        ip(['-n', sw, 'link', 'set', `p${n}`, 'master', 'br0']);
        ip(['-n', sw, 'link', 'set', `p${n}`, 'up']);
      });
    }
    const hosts = hostNames.map((ns, n): LabHost => {
      const address = `10.67.${subnet}.${n + 1}`;
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up', 'multicast', 'on']);
      ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      // No IPv6: its router solicitations and MLD reports would only add noise to captures.
      spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1'], { timeout: 10_000 });
      return makeHost(ns, address, children);
    });
    await waitForCarrier(hostNames);
    return { hosts, destroy };
  } catch (error) {
    await destroy();
    throw error;
  }
}

function makeHost(ns: string, address: string, children: Set<ChildProcess>): LabHost {
  const spawnIn = (command: string, args: string[], options: SpawnOptions = {}): ChildProcess => {
    // `ip netns exec` execs the command itself, so the child's pid is the command's pid.
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: 'pipe', ...options });
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.once('error', () => children.delete(child));
    return child;
  };
  return {
    ns,
    iface: 'eth0',
    address,
    spawn: spawnIn,
    run: (command, args, options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawnIn(command, args);
        let stdout = '';
        let stderr = '';
        child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr });
        });
        if (options.input !== undefined) child.stdin?.end(options.input);
        else child.stdin?.end();
      }),
  };
}

/** Waits (at most 5 s) until every host's eth0 reports LOWER_UP. */
async function waitForCarrier(namespaces: string[]): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const down = namespaces.filter((ns) => {
      const show = spawnSync('ip', ['-n', ns, 'link', 'show', 'eth0'], { encoding: 'utf8' });
      return !show.stdout.includes('LOWER_UP');
    });
    if (down.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('lab interfaces did not come up within 5 s');
}

/** SIGTERM, SIGKILL after 2 s; resolves once the child has exited. */
function endChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Deletes `atl-<pid>-*` namespaces whose creating process no longer exists. */
function sweepStaleLabs(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = /^atl-(\d+)-/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processExists(pid)) continue;
    spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
