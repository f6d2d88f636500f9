import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../main/host/cli-args';

describe('parseCliArgs', () => {
  it('reads the day-one flags', () => {
    const { args, error } = parseCliArgs(['--headless', '--data-dir', '/tmp/x', '-c', 'a.buttrc', '-p', '1256', '--ui-port', '8080']);
    expect(error).toBeUndefined();
    expect(args).toMatchObject({ headless: true, dataDir: '/tmp/x', controlPort: 1256, uiPort: 8080, quit: false });
    expect(args.config).toMatch(/\/a\.buttrc$/);
  });

  it('refuses a bad port with a readable error', () => {
    expect(parseCliArgs(['-p', '70000']).error).toMatchObject({ code: 'CLI_BAD_PORT', message: expect.stringContaining('--port') });
    expect(parseCliArgs(['--ui-port', 'web']).error?.code).toBe('CLI_BAD_PORT');
  });

  it('refuses --ui-port without the event API, and --ui-host without --ui-port', () => {
    expect(parseCliArgs(['--ui-port', '8080', '--no-api']).error).toMatchObject({ code: 'CLI_UI_NEEDS_API', message: expect.stringContaining('--no-api') });
    expect(parseCliArgs(['--ui-host', '0.0.0.0']).error?.code).toBe('CLI_UI_HOST_WITHOUT_PORT');
    expect(parseCliArgs(['--ui-port', '8080', '--ui-host', '10.0.0.5']).args).toMatchObject({ uiPort: 8080, uiHost: '10.0.0.5' });
  });

  it('refuses unknown options in strict mode, tolerates them for Electron', () => {
    expect(parseCliArgs(['--frobnicate']).error?.code).toBe('CLI_UNKNOWN_OPTION');
    const loose = parseCliArgs(['--no-sandbox', '--quit'], false);
    expect(loose.error).toBeUndefined();
    expect(loose.unknown).toEqual(['--no-sandbox']);
    expect(loose.args.quit).toBe(true);
  });
});
