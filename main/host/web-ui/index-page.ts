/**
 * The web UI's index.html as the headless host serves it: the built renderer's page with its
 * Content-Security-Policy widened by exactly one thing (the event API's WebSocket URL), and a
 * `<meta name="airtight-api">` telling the page where the API is and which token opens it.
 * Pure string work, so it is tested without a server.
 */

/** The meta the renderer reads to find the event API (renderer/src: web transport). */
export const API_META_NAME = 'airtight-api';

/**
 * The policy of every response. Same as the desktop window's (renderer/index.html) except
 * connect-src, which names the one WebSocket the page may open. No remote content at all.
 */
export function contentSecurityPolicy(apiUrl: string, where: 'header' | 'meta' = 'header'): string {
  const ws = new URL(apiUrl);
  // The origin only (no path, no token): CSP source expressions match scheme://host:port.
  const connect = `${ws.protocol}//${ws.host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    // Only honoured in the header (browsers ignore it in a meta and warn).
    ...(where === 'header' ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

const CSP_META = /<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>/i;

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The built page's own CSP meta (connect-src 'self', right for the desktop window) would
 * intersect with the header and block the WebSocket on another port: it is replaced by the
 * served policy, and the API meta is added right after it.
 */
export function servedIndexHtml(html: string, apiUrl: string): string {
  const metas =
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(apiUrl, 'meta'))}" />\n    ` +
    `<meta name="${API_META_NAME}" content="${escapeAttribute(apiUrl)}" />`;
  if (CSP_META.test(html)) return html.replace(CSP_META, metas);
  if (/<head[^>]*>/i.test(html)) return html.replace(/<head[^>]*>/i, (head) => `${head}\n    ${metas}`);
  return metas + html;
}
