import type { Correlation } from '../correlation.ts';
import { logFieldsDropped } from '../self-metrics.ts';
import { flat, jsonValue, quote } from './json-text.ts';
import { urlSafeValue } from './url-fields.ts';

/**
 * Keys the logger writes itself. A user field, binding or request field with one of these names is
 * dropped, so each appears exactly once per line and correlation ids cannot be spoofed.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  'time',
  'level',
  'file',
  'line',
  'target',
  'message',
  'trace_id',
  'span_id',
  'span_name',
  'x_request_id',
  'request_id',
]);

/**
 * Reserved keys a caller can never have a use for: a field with one of these names is a collision or a
 * spoofing attempt, and dropping it is counted (`dynotel_log_fields_dropped_total{reason="reserved_key"}`).
 * `message` (pino's message field) and `target` (the child-logger target) have documented uses.
 */
const NEVER_FIELD_KEYS: ReadonlySet<string> = new Set([
  'time',
  'level',
  'file',
  'line',
  'trace_id',
  'span_id',
  'x_request_id',
  'request_id',
]);
const RESERVED_KEY = { reason: 'reserved_key' } as const;

/** Called only for a reserved key (rare): counts it when no caller could have meant it. */
export function reservedKeyDropped(key: string): void {
  if (NEVER_FIELD_KEYS.has(key)) logFieldsDropped.inc(RESERVED_KEY);
}

/** A child-logger binding, serialised once when the child is made. */
export interface BoundField {
  readonly key: string;
  readonly value: unknown;
  /** `,"key":value`, ready to append. */
  readonly fragment: string;
}

export function bindFields(bindings: Readonly<Record<string, unknown>>, max: number): BoundField[] {
  const fields: BoundField[] = [];
  for (const key of Object.keys(bindings)) {
    if (RESERVED_KEYS.has(key)) {
      reservedKeyDropped(key);
      continue;
    }
    const value = urlSafeValue(key, bindings[key]);
    const json = jsonValue(value, max);
    if (json === undefined) continue;
    fields.push({ key, value, fragment: flat(`,${quote(key, max)}:${json}`) });
  }
  return fields.sort(byKey);
}

/** Dynamo's field order (a Rust BTreeMap: by UTF-16 code units, as JavaScript compares strings). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byKey(a: { key: string }, b: { key: string }): number {
  return compareKeys(a.key, b.key);
}

/** The same fields as raw values, sorted, for the readable format and OTLP attributes (not the hot path). */
export function rawFields(
  bindings: readonly BoundField[],
  obj: Record<string, unknown> | null | undefined,
  correlation: Correlation,
  countDropped = false,
): Array<[string, unknown]> {
  const merged: Record<string, unknown> = Object.create(null);
  for (const field of bindings) merged[field.key] = field.value;
  addRaw(merged, correlation.requestContext?.fields, countDropped);
  addRaw(merged, obj, countDropped);
  const requestContext = correlation.requestContext;
  if (requestContext?.requestId !== undefined) merged.request_id = requestContext.requestId;
  if (correlation.spanId !== undefined) merged.span_id = correlation.spanId;
  if (correlation.spanName !== undefined) merged.span_name = correlation.spanName;
  if (correlation.traceId !== undefined) merged.trace_id = correlation.traceId;
  if (requestContext?.xRequestId !== undefined) merged.x_request_id = requestContext.xRequestId;
  return Object.keys(merged)
    .sort()
    .map((key) => [key, merged[key]]);
}

/** `countDropped`: the readable format counts its reserved-key drops; OTLP attributes (a second view of the same line) do not. */
function addRaw(
  into: Record<string, unknown>,
  source: Record<string, unknown> | null | undefined,
  countDropped: boolean,
) {
  if (source === null || source === undefined) return;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    if (RESERVED_KEYS.has(key)) {
      if (countDropped) reservedKeyDropped(key);
      continue;
    }
    const value = urlSafeValue(key, source[key]);
    if (value !== undefined && typeof value !== 'function' && typeof value !== 'symbol') into[key] = value;
  }
}
