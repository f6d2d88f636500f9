import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createNetnsLab } from '../helpers/netns-lab';

// Receives one datagram on 239.69.9.9:5999 on eth0 and prints it; bounded by a 10 s timer.
const RECEIVE = `
const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
const t = setTimeout(() => process.exit(3), 10000);
s.bind(5999, () => { s.addMembership('239.69.9.9', process.argv[1]); console.log('ready'); });
s.on('message', (m) => { console.log('got ' + m); clearTimeout(t); s.close(); });
`;
const SEND = `
const s = require('node:dgram').createSocket('udp4');
s.bind(0, process.argv[1], () => { s.setMulticastInterface(process.argv[1]);
  let n = 0; const i = setInterval(() => { s.send('hello', 5999, '239.69.9.9'); if (++n === 40) { clearInterval(i); s.close(); } }, 50); });
`;

function readyOf(child: import('node:child_process').ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) resolve(out);
    });
    child.once('exit', () => resolve(out));
  });
}

describe('netns lab', () => {
  for (const hosts of [2, 3]) {
    it(`connects ${hosts} hosts for multicast, and removes everything on destroy`, async (ctx) => {
      const lab = await createNetnsLab({ hosts });
      if ('skip' in lab) {
        console.log(`skipped: ${lab.skip}`);
        return ctx.skip(lab.skip);
      }
      try {
        const [a, ...others] = lab.hosts;
        expect(new Set(lab.hosts.map((h) => h.address)).size).toBe(hosts);
        const receivers = others.map((b) => {
          const child = b.spawn(process.execPath, ['-e', RECEIVE, b.address]);
          let out = '';
          child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
          return { child, ready: readyOf(child), done: new Promise<string>((r) => child.once('exit', () => r(out))) };
        });
        await Promise.all(receivers.map((r) => r.ready));
        const send = await a!.run(process.execPath, ['-e', SEND, a!.address]);
        expect(send.code, send.stderr).toBe(0);
        for (const r of receivers) expect(await r.done).toContain('got hello');
      } finally {
        await lab.destroy();
      }
      const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      expect(left).not.toContain(`atl-${process.pid}-`);
    });
  }
});
