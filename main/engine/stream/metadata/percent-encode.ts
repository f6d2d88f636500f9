/**
 * RFC 3986 percent-encoding of a title's UTF-8 bytes. encodeURIComponent already works on UTF-8
 * but leaves `!'()*` alone; some servers' query parsers treat those specially, so they are
 * encoded too (only A-Z a-z 0-9 - . _ ~ pass through).
 */
export function percentEncode(text: string): string {
  return encodeURIComponent(wellFormed(text)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** HTTP Basic credentials, UTF-8 before base64 (RFC 7617's charset=UTF-8). */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** Lone surrogates (which encodeURIComponent throws on) become U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
