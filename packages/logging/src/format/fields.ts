import type { Correlation } from '../correlation.ts';
import { jsonValue, quote } from './json-text.ts';

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
  'x_request_id',
  'request_id',
]);

/** A child-logger binding, serialised once when the child is made. */
export interface BoundField {
  readonly key: string;
  readonly keyJson: string;
  readonly value: unknown;
  readonly json: string;
}

export function bindFields(bindings: Readonly<Record<string, unknown>>, max: number): BoundField[] {
  const fields: BoundField[] = [];
  for (const key of Object.keys(bindings)) {
    if (RESERVED_KEYS.has(key)) continue;
    const value = bindings[key];
    const json = jsonValue(value, max);
    if (json === undefined) continue;
    fields.push({ key, keyJson: quote(key, max), value, json });
  }
  return fields.sort(byKey);
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function hasOwnKeys(obj: object | null | undefined): boolean {
  if (obj === null || obj === undefined) return false;
  for (const key in obj) if (Object.hasOwn(obj, key)) return true;
  return false;
}

/**
 * `,"key":value` for every field of the line, sorted by key (Dynamo's BTreeMap order). Later sources
 * win: bindings, then the request context's fields, then the call's own fields; correlation last and
 * unconditionally.
 */
export function jsonFields(
  bindings: readonly BoundField[],
  obj: Record<string, unknown> | null | undefined,
  correlation: Correlation,
  max: number,
): string {
  const requestContext = correlation.requestContext;
  const requestFields = requestContext?.fields;
  const requestId = requestContext?.requestId;
  const xRequestId = requestContext?.xRequestId;
  if (!hasOwnKeys(obj) && !hasOwnKeys(requestFields)) {
    // Fast path: merge the pre-sorted bindings with the four correlation keys, no allocation.
    let out = '';
    let i = 0;
    const n = bindings.length;
    if (requestId !== undefined) {
      while (i < n && (bindings[i] as BoundField).key < 'request_id')
        out += bound(bindings[i++] as BoundField);
      out += `,"request_id":${quote(requestId, max)}`;
    }
    if (correlation.spanId !== undefined) {
      while (i < n && (bindings[i] as BoundField).key < 'span_id') out += bound(bindings[i++] as BoundField);
      out += `,"span_id":"${correlation.spanId}"`;
    }
    if (correlation.traceId !== undefined) {
      while (i < n && (bindings[i] as BoundField).key < 'trace_id') out += bound(bindings[i++] as BoundField);
      out += `,"trace_id":"${correlation.traceId}"`;
    }
    if (xRequestId !== undefined) {
      while (i < n && (bindings[i] as BoundField).key < 'x_request_id')
        out += bound(bindings[i++] as BoundField);
      out += `,"x_request_id":${quote(xRequestId, max)}`;
    }
    while (i < n) out += bound(bindings[i++] as BoundField);
    return out;
  }
  const merged: Record<string, string> = Object.create(null);
  for (const field of bindings) merged[field.key] = field.json;
  addJson(merged, requestFields, max);
  addJson(merged, obj, max);
  if (requestId !== undefined) merged.request_id = quote(requestId, max);
  if (correlation.spanId !== undefined) merged.span_id = `"${correlation.spanId}"`;
  if (correlation.traceId !== undefined) merged.trace_id = `"${correlation.traceId}"`;
  if (xRequestId !== undefined) merged.x_request_id = quote(xRequestId, max);
  const keys = Object.keys(merged).sort();
  let out = '';
  for (const key of keys) out += `,${quote(key, max)}:${merged[key]}`;
  return out;
}

function bound(field: BoundField): string {
  return `,${field.keyJson}:${field.json}`;
}

function addJson(
  into: Record<string, string>,
  source: Record<string, unknown> | null | undefined,
  max: number,
) {
  if (source === null || source === undefined) return;
  for (const key in source) {
    if (!Object.hasOwn(source, key) || RESERVED_KEYS.has(key)) continue;
    const json = jsonValue(source[key], max);
    if (json !== undefined) into[key] = json;
  }
}

/** The same fields as raw values, sorted, for the readable format and OTLP attributes (not the hot path). */
export function rawFields(
  bindings: readonly BoundField[],
  obj: Record<string, unknown> | null | undefined,
  correlation: Correlation,
): Array<[string, unknown]> {
  const merged: Record<string, unknown> = Object.create(null);
  for (const field of bindings) merged[field.key] = field.value;
  addRaw(merged, correlation.requestContext?.fields);
  addRaw(merged, obj);
  const requestContext = correlation.requestContext;
  if (requestContext?.requestId !== undefined) merged.request_id = requestContext.requestId;
  if (correlation.spanId !== undefined) merged.span_id = correlation.spanId;
  if (correlation.traceId !== undefined) merged.trace_id = correlation.traceId;
  if (requestContext?.xRequestId !== undefined) merged.x_request_id = requestContext.xRequestId;
  return Object.keys(merged)
    .sort()
    .map((key) => [key, merged[key]]);
}

function addRaw(into: Record<string, unknown>, source: Record<string, unknown> | null | undefined) {
  if (source === null || source === undefined) return;
  for (const key in source) {
    if (!Object.hasOwn(source, key) || RESERVED_KEYS.has(key)) continue;
    const value = source[key];
    if (value !== undefined && typeof value !== 'function' && typeof value !== 'symbol') into[key] = value;
  }
}
