/**
 * Where the event API is: the headless UI server writes it into index.html as
 * `<meta name="airtight-api" content="ws://127.0.0.1:<port>/v1?token=...">`. Without it (a
 * static preview), the page's own host and a `?token=` in the page URL are tried.
 */
export function eventApiUrl(doc: Document = document, location: Location = window.location): string {
  const meta = doc.querySelector<HTMLMetaElement>('meta[name="airtight-api"]')?.content.trim();
  if (meta) return meta;
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/v1${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}
