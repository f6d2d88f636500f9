/**
 * The pure parts of the operator API's host side: the settings view and section merge, the
 * web UI's path and Host guards and page rewrite, quick stop's outcome per target.
 */
import { describe, expect, it } from 'vitest';
import { mergeSections, settingsView } from '../../main/host/operator/settings-view';
import { stopAll } from '../../main/host/operator/stop-all';
import { fileFor, hostNameOf } from '../../main/host/web-ui/ui-server';
import { API_META_NAME, contentSecurityPolicy, servedIndexHtml } from '../../main/host/web-ui/index-page';
import { defaultSettings } from '../../main/settings/settings-schema';
import { MemorySecretStore } from '../../main/settings/secrets/secret-store';
import { appError } from '../../main/shared/errors';

function withServer() {
  const settings = defaultSettings();
  const merged = mergeSections(settings, {
    stream: { servers: [{ name: 'Main', address: 'radio.example', mount: '/live', passwordRef: 'server:Main:password' }] },
  });
  if (!merged.ok) throw new Error(merged.error.message);
  return merged.settings;
}

describe('settings view and merge', () => {
  it('shows hasPassword, never the password', () => {
    const secrets = new MemorySecretStore();
    secrets.set('server:Main:password', 'very-secret');
    const view = settingsView(withServer(), secrets) as { stream: { servers: Record<string, unknown>[] } };
    expect(view.stream.servers[0]).toMatchObject({ name: 'Main', hasPassword: true });
    expect(JSON.stringify(view)).not.toContain('very-secret');
    expect((settingsView(withServer(), new MemorySecretStore()) as typeof view).stream.servers[0]!.hasPassword).toBe(false);
  });

  it('keeps a server password reference when the form sends the server back without it', () => {
    const current = withServer();
    const view = settingsView(current, new MemorySecretStore()) as { stream: { servers: Record<string, unknown>[] } };
    const { passwordRef: _dropped, ...edited } = { ...view.stream.servers[0]!, mount: '/other' } as Record<string, unknown>;
    const merged = mergeSections(current, { stream: { ...view.stream, servers: [edited] } });
    expect(merged.ok && merged.settings.stream.servers[0]).toMatchObject({ mount: '/other', passwordRef: 'server:Main:password' });
    expect(merged.ok && 'hasPassword' in merged.settings.stream.servers[0]!).toBe(false);
    expect(merged.ok && merged.changed).toEqual(['stream']);
  });

  it('refuses unknown sections and invalid fields, naming them', () => {
    expect(mergeSections(defaultSettings(), { version: 2 })).toMatchObject({ ok: false, error: { code: 'SETTINGS_UNKNOWN_SECTION' } });
    expect(mergeSections(defaultSettings(), { nonsense: {} })).toMatchObject({ ok: false, error: { code: 'SETTINGS_UNKNOWN_SECTION', message: expect.stringContaining('nonsense') } });
    expect(mergeSections(defaultSettings(), { audio: { input: { sampleRate: 12 } } })).toMatchObject({
      ok: false,
      error: { code: 'SETTINGS_INVALID_FIELD', message: expect.stringContaining('audio.input.sampleRate') },
    });
  });
});

describe('web UI guards', () => {
  const root = '/srv/ui';
  it('maps request paths into the folder, index.html for /', () => {
    expect(fileFor(root, '/')).toEqual({ path: '/srv/ui/index.html' });
    expect(fileFor(root, '/assets/a.js?v=1#x')).toEqual({ path: '/srv/ui/assets/a.js' });
    expect(fileFor(root, '/assets/caf%C3%A9.png')).toEqual({ path: '/srv/ui/assets/café.png' });
  });

  it('refuses dot segments, encoded separators, NUL and bad escapes', () => {
    for (const path of ['/..', '/../etc/passwd', '/a/../../b', '/%2e%2e/x', '/./index.html', '/a%2fb', '/a%5cb', '/a%00', '/%E0%A4%A', '/a\\b']) {
      expect(fileFor(root, path), path).toMatchObject({ status: 400 });
    }
  });

  it('reads the host name of a Host header, refusing odd ones', () => {
    expect(hostNameOf('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostNameOf('LOCALHOST')).toBe('localhost');
    expect(hostNameOf('[::1]:80')).toBe('[::1]');
    expect(hostNameOf('user@127.0.0.1')).toBeUndefined();
    expect(hostNameOf('127.0.0.1/x')).toBeUndefined();
    expect(hostNameOf(undefined)).toBeUndefined();
  });

  it('rewrites the page: the served CSP replaces the built one, the API meta is added, attributes escaped', () => {
    const built = '<html><head><meta http-equiv="Content-Security-Policy" content="connect-src \'self\'" /><title>A</title></head></html>';
    const url = 'ws://127.0.0.1:1280/v1?token=a"b<c';
    const page = servedIndexHtml(built, url);
    expect(page).not.toContain("connect-src 'self'");
    expect(page).toContain('connect-src ws://127.0.0.1:1280');
    expect(page).toContain(`<meta name="${API_META_NAME}" content="ws://127.0.0.1:1280/v1?token=a&quot;b&lt;c" />`);
    // frame-ancestors only works as a header; browsers warn about it in a meta.
    expect(page).not.toContain('frame-ancestors');
    expect(contentSecurityPolicy(url)).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy(url)).not.toContain('token');
  });
});

describe('quick stop', () => {
  it('stops each that is on, concurrently; one failing does not hold up the others', async () => {
    const order: string[] = [];
    let releaseStream!: () => void;
    const result = stopAll({
      isStreaming: () => true,
      isRecording: () => true,
      isAes67Running: () => false,
      stopStreaming: () => new Promise<void>((resolve) => (releaseStream = () => (order.push('stream'), resolve()))),
      stopRecording: async () => {
        order.push('record');
        throw appError('RECORDER_NO_SUMMARY', 'no summary');
      },
      stopAes67: async () => order.push('aes67'),
    });
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['record']); // not waiting for the stream to finish first
    releaseStream();
    expect(await result).toEqual({
      streaming: { state: 'stopped' },
      recording: { state: 'failed', error: { code: 'RECORDER_NO_SUMMARY', message: 'no summary' } },
      aes67: { state: 'was-off' },
    });
    expect(order).toEqual(['record', 'stream']);
  });
});
