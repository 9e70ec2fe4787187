/**
 * `url.full` for a client span without secrets (OTel HTTP semantic conventions): credentials in the
 * authority become `REDACTED:REDACTED@`, and every query parameter keeps its name but its value becomes
 * `REDACTED` (signed URLs and API keys travel in query strings; the names are enough to read a trace).
 * The fragment is never sent, so it is never there.
 */
export function redactedUrl(origin: string, path: string): string {
  const query = path.indexOf('?');
  const base = `${redactCredentials(origin)}${query === -1 ? path : path.slice(0, query)}`;
  if (query === -1) return base;
  const parameters = path
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1 ? pair : `${pair.slice(0, equals)}=REDACTED`;
    });
  return `${base}?${parameters.join('&')}`;
}

function redactCredentials(origin: string): string {
  const scheme = origin.indexOf('://');
  const at = origin.lastIndexOf('@');
  if (scheme === -1 || at < scheme) return origin;
  return `${origin.slice(0, scheme + 3)}REDACTED:REDACTED@${origin.slice(at + 1)}`;
}
