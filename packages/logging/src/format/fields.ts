import type { RequestContext } from '@dynotel/core';
import { CORRELATION_KEYS, type Correlation } from '../correlation.ts';
import { logFieldsDropped } from '../self-metrics.ts';
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
function reservedKeyDropped(key: string): void {
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
 * A logger's bindings merged with the correlation fragments of the current span and request, kept
 * until either changes: every line of one request in one logger reuses it, and a line without fields
 * of its own is then just this string.
 */
export interface BaseFields {
  valid: boolean;
  spanId: string | undefined;
  traceId: string | undefined;
  context: RequestContext | undefined;
  keys: string[];
  fragments: string[];
  joined: string;
}

export function emptyBaseFields(): BaseFields {
  return {
    valid: false,
    spanId: undefined,
    traceId: undefined,
    context: undefined,
    keys: [],
    fragments: [],
    joined: '',
  };
}

function correlationFragment(index: number, correlation: Correlation, max: number): string | undefined {
  const context = correlation.requestContext;
  switch (index) {
    case 0:
      return context?.requestId === undefined ? undefined : `,"request_id":${quote(context.requestId, max)}`;
    case 1:
      return correlation.spanId === undefined ? undefined : `,"span_id":"${correlation.spanId}"`;
    case 2:
      return correlation.traceId === undefined ? undefined : `,"trace_id":"${correlation.traceId}"`;
    default:
      return context?.xRequestId === undefined
        ? undefined
        : `,"x_request_id":${quote(context.xRequestId, max)}`;
  }
}

/**
 * Rebuilt whenever the span or request changes, so once per request and logger: it reuses the base's
 * arrays instead of allocating new ones.
 */
function rebuildBase(
  base: BaseFields,
  bindings: readonly BoundField[],
  correlation: Correlation,
  max: number,
): void {
  base.valid = true;
  base.spanId = correlation.spanId;
  base.traceId = correlation.traceId;
  base.context = correlation.requestContext;
  const keys = base.keys;
  const fragments = base.fragments;
  keys.length = 0;
  fragments.length = 0;
  let joined = '';
  let b = 0;
  for (let c = 0; c < 4; c++) {
    const fragment = correlationFragment(c, correlation, max);
    if (fragment === undefined) continue;
    const key = CORRELATION_KEYS[c] as string;
    // Bindings never hold a correlation key (they are reserved), so there is no tie to break.
    while (b < bindings.length && (bindings[b] as BoundField).key < key) {
      const binding = bindings[b++] as BoundField;
      keys.push(binding.key);
      fragments.push(binding.fragment);
      joined += binding.fragment;
    }
    keys.push(key);
    fragments.push(fragment);
    joined += fragment;
  }
  for (; b < bindings.length; b++) {
    const binding = bindings[b] as BoundField;
    keys.push(binding.key);
    fragments.push(binding.fragment);
    joined += binding.fragment;
  }
  base.joined = joined;
}

/**
 * `,"key":value` for every field of the line, sorted by key (Dynamo's BTreeMap order). Later sources
 * win: bindings, then the request context's fields, then the call's own fields; correlation always
 * (user keys with those names are dropped before). A merge of already sorted sources: no dictionary
 * object, no full sort.
 */
export function jsonFields(
  bindings: readonly BoundField[],
  base: BaseFields,
  obj: Record<string, unknown> | null | undefined,
  correlation: Correlation,
  max: number,
): string {
  const context = correlation.requestContext;
  // Collecting runs user code (getters, toJSON) that may log, even through this very logger: a nested
  // line gets its own scratch arrays, and the base is checked only afterwards (a nested line may have
  // rebuilt it for other ids).
  const scratch = collecting ? newScratch() : sharedScratch;
  collecting = true;
  let objCount: number;
  let requestCount: number;
  try {
    objCount = collectSorted(obj, max, scratch.objKeys, scratch.objFragments);
    requestCount = collectSorted(context?.fields, max, scratch.requestKeys, scratch.requestFragments);
  } finally {
    collecting = scratch !== sharedScratch;
  }
  const { objKeys, objFragments, requestKeys, requestFragments } = scratch;
  if (
    !base.valid ||
    base.context !== context ||
    base.spanId !== correlation.spanId ||
    base.traceId !== correlation.traceId
  ) {
    rebuildBase(base, bindings, correlation, max);
  }
  if (objCount === 0 && requestCount === 0) return base.joined;
  const baseKeys = base.keys;
  const baseFragments = base.fragments;
  const baseCount = baseKeys.length;
  let out = '';
  let i = 0;
  let r = 0;
  let o = 0;
  for (;;) {
    // The smallest key at the heads of the three sources.
    let key: string | undefined;
    if (i < baseCount) key = baseKeys[i] as string;
    if (r < requestCount && (key === undefined || (requestKeys[r] as string) < key))
      key = requestKeys[r] as string;
    if (o < objCount && (key === undefined || (objKeys[o] as string) < key)) key = objKeys[o] as string;
    if (key === undefined) return out;
    // Every source with that key moves on; the last one wins (bindings < request fields < call fields).
    let fragment = '';
    if (i < baseCount && baseKeys[i] === key) fragment = baseFragments[i++] as string;
    if (r < requestCount && requestKeys[r] === key) fragment = requestFragments[r++] as string;
    if (o < objCount && objKeys[o] === key) fragment = objFragments[o++] as string;
    out += fragment;
  }
}

interface Scratch {
  readonly objKeys: string[];
  readonly objFragments: string[];
  readonly requestKeys: string[];
  readonly requestFragments: string[];
}

function newScratch(): Scratch {
  return { objKeys: [], objFragments: [], requestKeys: [], requestFragments: [] };
}

// Scratch arrays reused by every line (formatting is synchronous), so collecting allocates nothing;
// only a line logged while another line's fields are being collected gets fresh ones.
const sharedScratch = newScratch();
let collecting = false;

// `,"key":` of the field keys seen so far: a service logs the same few dozen keys on every line, so
// each is escaped once. Bounded: beyond it, keys are escaped per line as before.
const KEY_PREFIX_CACHE_SIZE = 1024;
const keyPrefixes = new Map<string, string>();

function keyPrefix(key: string, max: number): string {
  const cached = keyPrefixes.get(key);
  if (cached !== undefined) return cached;
  const prefix = `,${quote(key, max)}:`;
  // Only keys whose escaped form does not depend on `max` (not cut) are shared between loggers.
  if (key.length <= max && keyPrefixes.size < KEY_PREFIX_CACHE_SIZE) keyPrefixes.set(key, prefix);
  return prefix;
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
    if (!Object.hasOwn(source, key)) continue;
    if (RESERVED_KEYS.has(key)) {
      reservedKeyDropped(key);
      continue;
    }
    const json = jsonValue(source[key], max);
    if (json === undefined) continue;
    let i = count++;
    while (i > 0 && (keys[i - 1] as string) > key) {
      keys[i] = keys[i - 1] as string;
      fragments[i] = fragments[i - 1] as string;
      i--;
    }
    keys[i] = key;
    fragments[i] = keyPrefix(key, max) + json;
  }
  return count;
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
    const value = source[key];
    if (value !== undefined && typeof value !== 'function' && typeof value !== 'symbol') into[key] = value;
  }
}
