/**
 * A launch with a control flag (-s -d -r -t -n -u -S ...): first the Airtight running on
 * this data dir is asked through the instance handover (works whatever its command port, and
 * with the command server off), then, if none answers, the command port as BUTT's client
 * does (which may be a BUTT). An explicit -a, -p or -U means the command port only.
 */
import { askRunningInstance } from '../instance-lock';
import { runControlClient, type ClientIo } from './client';
import { DEFAULT_CONTROL_ADDRESS, DEFAULT_CONTROL_PORT, parseControlArgs } from './client-args';

export async function runLaunchControl(argv: string[], dataDir: string, io: ClientIo = { out: (text) => void process.stdout.write(text) }): Promise<number> {
  const parsed = parseControlArgs(argv);
  const explicitEndpoint = parsed.address !== DEFAULT_CONTROL_ADDRESS || parsed.port !== DEFAULT_CONTROL_PORT || parsed.protocol === 'udp';
  if (!explicitEndpoint && !parsed.error && !parsed.help && parsed.request) {
    const reply = await askRunningInstance(dataDir, { argv, cwd: process.cwd() });
    if (reply) {
      for (const note of parsed.notes) io.out(`${note}\n`);
      io.out(`${reply.message}\n`);
      return reply.ok ? 0 : 1;
    }
  }
  return runControlClient(argv, io);
}
