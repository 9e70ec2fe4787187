/** What replaces each query value (OTel semantic conventions, `url.query` / `url.full`). */
export const REDACTED = 'REDACTED';

/**
 * A URL or request target with every query-string value replaced by `REDACTED`, names kept:
 * `/v1/chat?token=abc&model=x` → `/v1/chat?token=REDACTED&model=REDACTED`. The OTel semantic conventions
 * recommend redacting `url.query` values, since query strings routinely carry credentials (tokens, keys,
 * signatures). A parameter without `=` (`?flag`) is kept as is: it has no value. The fragment is dropped
 * values included (it never reaches a server, and may carry tokens in OAuth flows). Anything before `?`
 * is unchanged; a string without a query is returned as is (no allocation).
 *
 * Works on absolute URLs and on request targets alike, without parsing (a malformed URL is redacted the
 * same way rather than passed through).
 */
export function redactUrlQuery(url: string): string {
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  const question = withoutFragment.indexOf('?');
  if (question === -1) return withoutFragment;
  const query = withoutFragment.slice(question + 1);
  if (query === '') return withoutFragment;
  const redacted = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1 ? pair : `${pair.slice(0, equals)}=${REDACTED}`;
    })
    .join('&');
  return `${withoutFragment.slice(0, question + 1)}${redacted}`;
}

/** `redactUrlQuery` unless the service opted to keep query strings (DYN_TELEMETRY_KEEP_URL_QUERY). */
export function urlForTelemetry(url: string, keepQuery: boolean): string {
  return keepQuery ? url : redactUrlQuery(url);
}
