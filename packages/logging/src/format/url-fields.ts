import { redactUrlQuery } from '@dynotel/core';

/**
 * Field names that carry a URL or request target in dynotel's and Dynamo's lines (`uri` is Dynamo's
 * `http-request` span field) and in the OTel HTTP conventions. Their query-string values are replaced by
 * `REDACTED` (names kept) in JSONL and readable lines and in OTLP log records, unless the service keeps
 * them (DYN_TELEMETRY_KEEP_URL_QUERY, the `keepUrlQuery` logger option).
 */
const URL_FIELD_KEYS: ReadonlySet<string> = new Set(['uri', 'url', 'url.full', 'http.url', 'http.target']);
/** The query string alone, without its `?`. */
const QUERY_FIELD_KEYS: ReadonlySet<string> = new Set(['url.query', 'http.query']);

/**
 * The process's setting, made by the last `createLogger()` (one logger tree per process in practice;
 * `init()` makes exactly one). Read per field, so it is a plain module variable, not an option lookup.
 */
let redacting = true;

export function setUrlQueryRedaction(redact: boolean): void {
  redacting = redact;
}

/** `value` with its query values redacted when `key` names a URL field; anything else unchanged. */
export function urlSafeValue(key: string, value: unknown): unknown {
  if (!redacting || typeof value !== 'string') return value;
  if (URL_FIELD_KEYS.has(key)) return redactUrlQuery(value);
  if (QUERY_FIELD_KEYS.has(key)) return redactUrlQuery(`?${value}`).slice(1);
  return value;
}
