/**
 * Reads V8 `.cpuprofile` files (written by `node --cpu-prof`, one per thread) and sums self time
 * per function, so a benchmark can say which code a thread's CPU went to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time the profile covers, ms. */
  spanMs: number;
  /** Time not in "(idle)", ms: what the thread ran. */
  busyMs: number;
  top: { fn: string; selfMs: number }[];
}

function label(frame: ProfileNode['callFrame'], root: string): string {
  // Inline WebAssembly (a data: URL) has one entry per function index: count it as one.
  if (frame.url.startsWith('data:application/wasm')) return 'WebAssembly module loaded from a data: URL (all its functions)';
  if (frame.url.startsWith('wasm://')) return `WebAssembly ${frame.url.replace(/\/[^/]*$/, '')} (all its functions)`;
  const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(root + '/', '')}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

export function summarizeProfiles(dir: string, root: string, topN = 8): ProfileSummary[] {
  const out: ProfileSummary[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    let profile: Profile;
    try {
      profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    } catch {
      continue;
    }
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let busy = 0;
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000; // a sample's time runs until the next one
      if (!node) return;
      const name = label(node.callFrame, root);
      if (node.callFrame.functionName !== '(idle)') busy += ms;
      self.set(name, (self.get(name) ?? 0) + ms);
    });
    const top = [...self.entries()]
      .filter(([fn]) => !fn.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([fn, selfMs]) => ({ fn, selfMs: Math.round(selfMs) }));
    out.push({ file, spanMs: Math.round((profile.endTime - profile.startTime) / 1000), busyMs: Math.round(busy), top });
  }
  return out;
}
