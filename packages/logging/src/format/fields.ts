import type { RequestContext } from '@dynotel/core';
import { CORRELATION_KEYS, type Correlation } from '../correlation.ts';
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
  readonly value: unknown;
  /** `,"key":value`, ready to append. */
  readonly fragment: string;
}

export function bindFields(bindings: Readonly<Record<string, unknown>>, max: number): BoundField[] {
  const fields: BoundField[] = [];
  for (const key of Object.keys(bindings)) {
    if (RESERVED_KEYS.has(key)) continue;
    const value = bindings[key];
    const json = jsonValue(value, max);
    if (json === undefined) continue;
    fields.push({ key, value, fragment: `,${quote(key, max)}:${json}` });
  }
  return fields.sort(byKey);
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * `,"key":value` for every field of the line, sorted by key (Dynamo's BTreeMap order). Later sources
 * win: bindings, then the request context's fields, then the call's own fields; correlation last and
 * unconditionally. A k-way merge of already sorted sources: no dictionary object, no full sort, and
 * nothing allocated but the output string.
 */
export function jsonFields(
  bindings: readonly BoundField[],
  obj: Record<string, unknown> | null | undefined,
  correlation: Correlation,
  max: number,
): string {
  const requestContext = correlation.requestContext;
  const objCount = collectSorted(obj, max, objKeys, objFragments);
  const requestCount = collectSorted(requestContext?.fields, max, requestKeys, requestFragments);
  const ids = requestIdFragments(requestContext, max);
  correlationFragments[0] = ids.requestId;
  correlationFragments[1] =
    correlation.spanId === undefined ? undefined : `,"span_id":"${correlation.spanId}"`;
  correlationFragments[2] =
    correlation.traceId === undefined ? undefined : `,"trace_id":"${correlation.traceId}"`;
  correlationFragments[3] = ids.xRequestId;
  const bindingCount = bindings.length;
  let out = '';
  let b = 0;
  let r = 0;
  let o = 0;
  let c = 0;
  while (c < 4 && correlationFragments[c] === undefined) c++;
  for (;;) {
    // The smallest key at the heads of the four sources.
    let key: string | undefined;
    if (b < bindingCount) key = (bindings[b] as BoundField).key;
    if (r < requestCount && (key === undefined || (requestKeys[r] as string) < key))
      key = requestKeys[r] as string;
    if (o < objCount && (key === undefined || (objKeys[o] as string) < key)) key = objKeys[o] as string;
    const correlationKey = c < 4 ? (CORRELATION_KEYS[c] as string) : undefined;
    if (correlationKey !== undefined && (key === undefined || correlationKey < key)) key = correlationKey;
    if (key === undefined) return out;
    // Every source with that key moves on; the last one wins (bindings < request < call < correlation).
    let fragment = '';
    if (b < bindingCount && (bindings[b] as BoundField).key === key)
      fragment = (bindings[b++] as BoundField).fragment;
    if (r < requestCount && requestKeys[r] === key) fragment = requestFragments[r++] as string;
    if (o < objCount && objKeys[o] === key) fragment = objFragments[o++] as string;
    if (correlationKey === key) {
      fragment = correlationFragments[c++] as string;
      while (c < 4 && correlationFragments[c] === undefined) c++;
    }
    out += fragment;
  }
}

// Scratch arrays reused by every line (formatting is synchronous), so the merge allocates nothing.
const objKeys: string[] = [];
const objFragments: string[] = [];
const requestKeys: string[] = [];
const requestFragments: string[] = [];
const correlationFragments: Array<string | undefined> = [undefined, undefined, undefined, undefined];

// The request ids of one request are quoted once, not once per line: the context object is the key.
let lastContext: RequestContext | undefined;
let lastIds: { requestId: string | undefined; xRequestId: string | undefined } = {
  requestId: undefined,
  xRequestId: undefined,
};
function requestIdFragments(context: RequestContext | undefined, max: number): typeof lastIds {
  if (context === lastContext) return lastIds;
  lastContext = context;
  lastIds = {
    requestId:
      context?.requestId === undefined ? undefined : `,"request_id":${quote(context.requestId, max)}`,
    xRequestId:
      context?.xRequestId === undefined ? undefined : `,"x_request_id":${quote(context.xRequestId, max)}`,
  };
  return lastIds;
}

/** Own, non-reserved, serialisable fields of `source`, sorted by key (insertion sort: there are few). */
function collectSorted(
  source: Record<string, unknown> | null | undefined,
  max: number,
  keys: string[],
  fragments: string[],
): number {
  if (source === null || source === undefined) return 0;
  let count = 0;
  for (const key in source) {
    if (!Object.hasOwn(source, key) || RESERVED_KEYS.has(key)) continue;
    const json = jsonValue(source[key], max);
    if (json === undefined) continue;
    let i = count++;
    while (i > 0 && (keys[i - 1] as string) > key) {
      keys[i] = keys[i - 1] as string;
      fragments[i] = fragments[i - 1] as string;
      i--;
    }
    keys[i] = key;
    fragments[i] = `,${quote(key, max)}:${json}`;
  }
  return count;
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
