import type { Correlation } from '../correlation.ts';
import { type BaseFields, isStale, joinedBase, rebuildBase } from './base-fields.ts';
import { compareKeys, RESERVED_KEYS, reservedKeyDropped } from './fields.ts';
import { flat, jsonValue, quote } from './json-text.ts';
import type { LoggerFormatState } from './record-context.ts';
import { urlSafeValue } from './url-fields.ts';

/**
 * How the fields of one call interleave with a logger's base fields in sorted key order. A call site
 * passes the same keys on every line, so this is worked out once per key sequence instead of sorting
 * and merging by string comparison on every line.
 */
export interface FieldLayout {
  /** The base key set it was made for (see BaseFields.correlationMask; the bindings are fixed per logger). */
  readonly correlationMask: number;
  /** The call's field keys, in the order the object enumerates them. */
  readonly keys: readonly string[];
  /** `,"key":` for each of `keys`. */
  readonly prefixes: readonly string[];
  /** The output order: `i >= 0` is base fragment i, `~j` is call field j. */
  readonly plan: readonly number[];
}

/** Layouts kept per logger: enough for the few call shapes one logger usually writes. */
const LAYOUTS_PER_LOGGER = 4;

/**
 * `,"key":value` for every field of the line, sorted by key (Dynamo's BTreeMap order). Later sources
 * win: bindings, then the request context's fields, then the call's own fields; correlation always
 * (user keys with those names are dropped before).
 */
export function jsonFields(
  state: LoggerFormatState,
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
    objCount = collectFields(obj, max, scratch.objKeys, scratch.objJsons);
    requestCount = collectFields(context?.fields, max, scratch.requestKeys, scratch.requestJsons);
  } finally {
    collecting = scratch !== sharedScratch;
  }
  const base = state.base;
  if (isStale(base, correlation)) rebuildBase(base, state.bindings, correlation, max);
  if (objCount === 0 && requestCount === 0) return joinedBase(base);
  if (requestCount === 0) {
    const layout = layoutFor(state, scratch.objKeys, objCount, max);
    if (layout !== undefined) return applyLayout(layout, base.fragments, scratch.objJsons);
  }
  return mergeSorted(base, scratch, objCount, requestCount, max);
}

/** The cached layout for these keys, or a new one; undefined when a call key overrides a binding. */
function layoutFor(
  state: LoggerFormatState,
  keys: readonly string[],
  count: number,
  max: number,
): FieldLayout | undefined {
  const layouts = state.layouts;
  const mask = state.base.correlationMask;
  for (let l = 0; l < layouts.length; l++) {
    const layout = layouts[l] as FieldLayout;
    if (layout.correlationMask === mask && sameKeys(layout.keys, keys, count)) {
      return layout;
    }
  }
  const layout = makeLayout(state.base, keys, count, max);
  if (layout === undefined) return undefined;
  const slot =
    layouts.length < LAYOUTS_PER_LOGGER ? layouts.length : state.nextLayoutSlot++ % LAYOUTS_PER_LOGGER;
  layouts[slot] = layout;
  return layout;
}

function sameKeys(cached: readonly string[], keys: readonly string[], count: number): boolean {
  if (cached.length !== count) return false;
  // Property keys are internalised strings: equal keys compare by pointer.
  for (let i = 0; i < count; i++) if (cached[i] !== keys[i]) return false;
  return true;
}

function makeLayout(
  base: BaseFields,
  keys: readonly string[],
  count: number,
  max: number,
): FieldLayout | undefined {
  const ownKeys = keys.slice(0, count);
  const order = ownKeys
    .map((_, j) => j)
    .sort((a, b) => compareKeys(ownKeys[a] as string, ownKeys[b] as string));
  const baseKeys = base.keys;
  const plan: number[] = [];
  let i = 0;
  for (const j of order) {
    const key = ownKeys[j] as string;
    while (i < baseKeys.length && (baseKeys[i] as string) < key) plan.push(i++);
    // A call field with a binding's name replaces it only when it has a value: not a fixed layout.
    if (i < baseKeys.length && baseKeys[i] === key) return undefined;
    plan.push(~j);
  }
  while (i < baseKeys.length) plan.push(i++);
  return {
    correlationMask: base.correlationMask,
    keys: ownKeys,
    prefixes: ownKeys.map((key) => keyPrefix(key, max)),
    plan,
  };
}

function applyLayout(
  layout: FieldLayout,
  baseFragments: readonly string[],
  jsons: readonly (string | undefined)[],
): string {
  const plan = layout.plan;
  const prefixes = layout.prefixes;
  let out = '';
  for (let p = 0; p < plan.length; p++) {
    const step = plan[p] as number;
    if (step >= 0) {
      out += baseFragments[step] as string;
    } else {
      const json = jsons[~step];
      if (json !== undefined) out += (prefixes[~step] as string) + json;
    }
  }
  return out;
}

/**
 * The general case (request-context fields, or a call field replacing a binding): both sources sorted,
 * then a three-way merge with the base where the later source wins.
 */
function mergeSorted(
  base: BaseFields,
  scratch: Scratch,
  objCount: number,
  requestCount: number,
  max: number,
): string {
  const { objKeys, objFragments, requestKeys, requestFragments } = scratch;
  const objSorted = sortFields(objKeys, scratch.objJsons, objCount, max, objFragments);
  const requestSorted = sortFields(requestKeys, scratch.requestJsons, requestCount, max, requestFragments);
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
    if (r < requestSorted && (key === undefined || (requestKeys[r] as string) < key))
      key = requestKeys[r] as string;
    if (o < objSorted && (key === undefined || (objKeys[o] as string) < key)) key = objKeys[o] as string;
    if (key === undefined) return out;
    // Every source with that key moves on; the last one wins (bindings < request fields < call fields).
    let fragment = '';
    if (i < baseCount && baseKeys[i] === key) fragment = baseFragments[i++] as string;
    if (r < requestSorted && requestKeys[r] === key) fragment = requestFragments[r++] as string;
    if (o < objSorted && objKeys[o] === key) fragment = objFragments[o++] as string;
    out += fragment;
  }
}

/**
 * Sorts the collected fields by key, leaving out those without a JSON value, and writes their
 * `,"key":value` into `fragments` (insertion sort: there are few). In place: the sorted prefix of
 * `keys` never reaches past the key being read. Returns how many remain.
 */
function sortFields(
  keys: string[],
  jsons: readonly (string | undefined)[],
  count: number,
  max: number,
  fragments: string[],
): number {
  let sorted = 0;
  for (let j = 0; j < count; j++) {
    const json = jsons[j];
    if (json === undefined) continue;
    const key = keys[j] as string;
    let i = sorted++;
    while (i > 0 && (keys[i - 1] as string) > key) {
      keys[i] = keys[i - 1] as string;
      fragments[i] = fragments[i - 1] as string;
      i--;
    }
    keys[i] = key;
    fragments[i] = keyPrefix(key, max) + json;
  }
  return sorted;
}

interface Scratch {
  readonly objKeys: string[];
  readonly objJsons: (string | undefined)[];
  readonly objFragments: string[];
  readonly requestKeys: string[];
  readonly requestJsons: (string | undefined)[];
  readonly requestFragments: string[];
}

function newScratch(): Scratch {
  return {
    objKeys: [],
    objJsons: [],
    objFragments: [],
    requestKeys: [],
    requestJsons: [],
    requestFragments: [],
  };
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
  const prefix = flat(`,${quote(key, max)}:`);
  // Only keys whose escaped form does not depend on `max` (not cut) are shared between loggers.
  if (key.length <= max && keyPrefixes.size < KEY_PREFIX_CACHE_SIZE) keyPrefixes.set(key, prefix);
  return prefix;
}

/**
 * Own, non-reserved fields of `source` in enumeration order, each with its JSON text (undefined when
 * the value has none: the field is left out). Returns how many were collected.
 */
function collectFields(
  source: Record<string, unknown> | null | undefined,
  max: number,
  keys: string[],
  jsons: (string | undefined)[],
): number {
  if (source === null || source === undefined) return 0;
  let count = 0;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    if (RESERVED_KEYS.has(key)) {
      reservedKeyDropped(key);
      continue;
    }
    keys[count] = key;
    jsons[count++] = jsonValue(urlSafeValue(key, source[key]), max);
  }
  return count;
}
