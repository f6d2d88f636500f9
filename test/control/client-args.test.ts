/** BUTT's control-mode command line as Airtight's client reads it. */
import { describe, it, expect } from 'vitest';
import { hasControlFlag, parseControlArgs } from '../../main/host/control/client-args';

describe('control client flags', () => {
  it('getopt forms: clustered flags and attached arguments', () => {
    expect(parseControlArgs(['-Sp1300'])).toMatchObject({ request: { kind: 'status' }, port: 1300, protocol: 'tcp' });
    expect(parseControlArgs(['-US', '-a', '192.0.2.7'])).toMatchObject({ request: { kind: 'status' }, address: '192.0.2.7', protocol: 'udp' });
    expect(parseControlArgs(['-uSong title'])).toMatchObject({ request: { kind: 'set-song', title: 'Song title' } });
    expect(parseControlArgs(['-M', '1.5'])).toMatchObject({ request: { kind: 'set-threshold', threshold: 'stream-signal', seconds: 1.5 }, notes: ['M threshold set to 1.5'] });
  });

  it('-s takes a name only when the next argument is not an option', () => {
    expect(parseControlArgs(['-s', '-p', '1300'])).toMatchObject({ request: { kind: 'connect' }, port: 1300 });
    expect(parseControlArgs(['-s', 'Backup server'])).toMatchObject({ request: { kind: 'connect', serverName: 'Backup server' } });
    expect(parseControlArgs(['-sMain']).request).toEqual({ kind: 'connect', serverName: 'Main' });
    expect(parseControlArgs(['-s']).request).toEqual({ kind: 'connect' });
  });

  it('one control option per call: the first wins, the rest are reported as BUTT does', () => {
    const args = parseControlArgs(['-r', '-t']);
    expect(args.request).toEqual({ kind: 'start-recording' });
    expect(args.notes).toEqual(['Warning: You may only pass one control option. Option -t has been ignored.']);
  });

  it("tells control calls from Airtight's own command lines", () => {
    expect(hasControlFlag(['-S'])).toBe(true);
    expect(hasControlFlag(['-p', '1300', '-q'])).toBe(true);
    expect(hasControlFlag(['--headless', '--data-dir', '/tmp/x', '-u', 'x'])).toBe(true);
    expect(hasControlFlag([])).toBe(false);
    expect(hasControlFlag(['--headless', '--quit'])).toBe(false);
    expect(hasControlFlag(['-c', '/home/me/.buttrc', '-p', '1300', '-A', '-U'])).toBe(false);
    expect(hasControlFlag(['-c', '-S'])).toBe(false); // "-S" is the config path here, as in getopt
    expect(hasControlFlag(['--no-sandbox', '--enable-features=X'])).toBe(false);
  });
});
