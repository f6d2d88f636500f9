/**
 * `--ui-port` on a real headless Airtight: the built renderer served with the API meta and a
 * strict CSP, a foreign Host header and `..` paths refused, unknown paths 404, no listing, the
 * page's own API URL accepted by the event API from the page's origin, and after quit both
 * ports bind again at once with no process left.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, isPresent, lastReport, runLaunch, startAirtight, treeOf, waitUntil, type RunningAirtight } from '../helpers/airtight-process';
import { freePort, killTree } from '../helpers/ports';
import { TestClient } from '../event-api/api-client-helper';

let airtight: RunningAirtight | undefined;
afterEach(() => {
  if (airtight) killTree(airtight.pid);
  airtight = undefined;
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the path sent exactly as given (no normalisation) and any Host header. */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function bindsNow(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

describe('web UI server (--ui-port)', () => {
  it('serves the renderer with the API meta and CSP, refuses what it must, frees its port on quit', async () => {
    const apiPort = await freePort('tcp');
    const uiPort = await freePort('tcp');
    airtight = await startAirtight({ args: ['--api-port', String(apiPort), '--ui-port', String(uiPort), '-x'] });
    await airtight.waitForOutput(/Web UI on http:\/\/127\.0\.0\.1:\d+/);
    const token = readFileSync(join(airtight.dataDir, 'api-token'), 'utf8').trim();

    const index = await get(uiPort, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-store');
    const apiUrl = `ws://127.0.0.1:${apiPort}/v1?token=${token}`;
    expect(index.body).toContain(`<meta name="airtight-api" content="${apiUrl}" />`);
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src ws://127.0.0.1:${apiPort};`);
    expect(csp).not.toMatch(/connect-src[^;]*'self'|https?:\/\/(?!127)/);
    // The page's own CSP meta is the served one (the built page's connect-src 'self' would block the socket).
    expect(index.body.match(/http-equiv="Content-Security-Policy"/g)).toHaveLength(1);
    expect(index.body).toContain(`connect-src ws://127.0.0.1:${apiPort}`);
    // The same page as the build made it otherwise: its script is served too.
    const built = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(built)![1]!;
    const js = await get(uiPort, `/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body.length).toBeGreaterThan(1000);

    // localhost is this machine too; the page then points at localhost.
    expect((await get(uiPort, '/', `localhost:${uiPort}`)).body).toContain(`ws://localhost:${apiPort}/v1?token=`);
    // DNS rebinding: a name that is not this machine gets no page (and no token).
    const foreign = await get(uiPort, '/', `evil.example:${uiPort}`);
    expect(foreign.status).toBe(403);
    expect(foreign.body).not.toContain(token);
    expect((await get(uiPort, '/index.html', 'attacker.test')).status).toBe(403);
    // Path traversal, plain and encoded; unknown paths; no folder listing.
    for (const path of ['/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/assets%5c..%5cindex.html']) {
      const answer = await get(uiPort, path);
      expect(answer.status, path).toBe(400);
      expect(answer.body).not.toContain('"name"');
    }
    expect((await get(uiPort, '/nope.js')).status).toBe(404);
    expect((await get(uiPort, '/assets/')).status).toBe(404);
    expect((await get(uiPort, '/assets')).status).toBe(404);

    // The page's URL works from the page's origin; another origin is refused by the event API.
    const fromPage = await TestClient.open(apiUrl, { origin: `http://127.0.0.1:${uiPort}` });
    fromPage.ws.terminate();
    await expect(TestClient.open(apiUrl, { origin: 'http://evil.example' })).rejects.toThrow(/403/);

    // A browser holding a keep-alive connection open must not keep the port (or the quit) waiting.
    const held = connect({ host: '127.0.0.1', port: uiPort });
    await new Promise((resolve) => held.once('connect', resolve));
    held.write(`GET /nope HTTP/1.1\r\nHost: 127.0.0.1:${uiPort}\r\nConnection: keep-alive\r\n\r\n`);
    await new Promise((resolve) => held.once('data', resolve));
    const heldClosed = new Promise((resolve) => held.once('close', resolve));
    held.on('error', () => undefined);

    const tree = treeOf(airtight.pid);
    airtight.child.kill('SIGTERM');
    expect((await airtight.exited).code).toBe(0);
    const closed = lastReport(airtight.dataDir).phases.flatMap((p) => p.participants).find((p) => p.name === 'web UI');
    expect(closed).toMatchObject({ outcome: 'ok', detail: `port ${uiPort} closed` });
    await heldClosed;
    expect(await bindsNow(uiPort)).toBe(true);
    expect(await bindsNow(apiPort)).toBe(true);
    expect(await waitUntil(() => tree.every((p) => !isPresent(p.pid)), 3000)).toBe(true);
  });

  it('--ui-host binds the UI and the API elsewhere, says so loudly, and the page points there', async () => {
    const apiPort = await freePort('tcp');
    const uiPort = await freePort('tcp');
    airtight = await startAirtight({ args: ['--api-port', String(apiPort), '--ui-port', String(uiPort), '--ui-host', '127.0.0.2', '-x'] });
    expect(airtight.output()).toMatch(/WARN .*NETWORK EXPOSURE: .*127\.0\.0\.2/);
    const page = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.2', port: uiPort, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    const url = /name="airtight-api" content="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.2:${apiPort}/v1\\?token=`));
    const client = await TestClient.open(url, { origin: `http://127.0.0.2:${uiPort}` });
    client.ws.terminate();
    // Nothing listens on loopback 127.0.0.1 for these ports now.
    expect((await get(uiPort, '/').catch((error: Error) => ({ status: -1, body: error.message }))).status).toBe(-1);
  });

  it('refuses --ui-port with --no-api with a clear message', async () => {
    const child = runLaunch(['--headless', '--ui-port', '8080', '--no-api']);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(out).toMatch(/--ui-port needs the event API/);
  });
});
