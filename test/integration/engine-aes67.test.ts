/**
 * The AES67 output wired into the engine: the stream path feeds the paced sender, packets
 * arrive continuous, and a shutdown stops it in order (SAP deletion, RTP, pacer joined).
 * Protocol-level checks with ffmpeg, GStreamer, tshark and ptp4l are in test/aes67/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { EngineSupervisor } from '../../main/engine-host/engine-supervisor';
import { forkEngine } from '../../main/engine-host/engine-process';
import { AudioSettingsSchema } from '../../main/settings/audio-settings-schema';
import { Aes67SenderSettingsSchema } from '../../main/engine/aes67/aes67-settings';
import { ROOT } from '../helpers/airtight-process';
import { freePort } from '../helpers/ports';

let engine: EngineSupervisor | undefined;
afterEach(async () => {
  engine?.kill('SIGKILL');
  await engine?.waitForExit(3000);
  engine = undefined;
});

describe('AES67 output in the engine', () => {
  it('sends continuous 1 ms L24 packets from the stream path and stops in order on shutdown', async () => {
    const e = new EngineSupervisor({ launcher: forkEngine, entry: join(ROOT, 'out', 'main', 'engine.js'), env: process.env });
    engine = e;
    await e.start();
    await e.request('audio.configure', AudioSettingsSchema.parse({ input: { source: 'tone', sampleRate: 48000 } }));
    const port = await freePort('udp');
    const group = '239.69.77.5';
    const receiver = createSocket({ type: 'udp4', reuseAddr: true });
    const packets: Buffer[] = [];
    receiver.on('message', (m) => packets.push(m));
    receiver.bind(port);
    await once(receiver, 'listening');
    receiver.addMembership(group, '127.0.0.1');

    const settings = Aes67SenderSettingsSchema.parse({ enabled: true, address: group, port, interface: '127.0.0.1', loopback: true, ptp: false, sap: false });
    const { sdp } = await e.request('aes67.start', { settings });
    expect(sdp).toMatch(/a=rtpmap:97 L24\/48000\/2/);
    expect(sdp).toMatch(new RegExp(`c=IN IP4 ${group.replace(/\./g, '\\.')}/32`));
    await new Promise((r) => setTimeout(r, 2000));
    const status = await e.request('aes67.status', {});
    expect(status.running).toBe(true);

    const report = await e.request('engine.shutdown', { reason: 'test', profile: 'normal', deadlineMs: 3000 });
    receiver.close();
    expect(report.clean).toBe(true);
    const aes67 = report.resources.filter((r) => r.stage === 'aes67');
    expect(aes67.length).toBeGreaterThanOrEqual(2);
    expect(aes67.every((r) => r.outcome === 'closed')).toBe(true);
    expect(report.resources.some((r) => r.stage === 'workers' && /pacer|AES67|aes67/i.test(r.label) && r.outcome === 'closed')).toBe(true);

    // ~2000 packets of 12 + 48 x 2 x 3 bytes, sequence +1, timestamp +48, PT 97.
    expect(packets.length).toBeGreaterThan(1500);
    let gaps = 0;
    for (let i = 1; i < packets.length; i++) {
      const prev = packets[i - 1]!;
      const cur = packets[i]!;
      if (((prev.readUInt16BE(2) + 1) & 0xffff) !== cur.readUInt16BE(2)) gaps++;
      if (((prev.readUInt32BE(4) + 48) >>> 0) !== cur.readUInt32BE(4)) gaps++;
    }
    expect(gaps).toBe(0);
    expect(packets[0]!.length).toBe(12 + 48 * 2 * 3);
    expect(packets[0]![1]! & 0x7f).toBe(97);
  });
});
