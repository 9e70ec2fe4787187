import type { RequestContext } from '@dynotel/core';
import { CORRELATION_KEYS, type Correlation } from '../correlation.ts';
import type { BoundField } from './fields.ts';
import { quote } from './json-text.ts';

/**
 * A logger's bindings merged with the correlation fragments of the current span and request, kept
 * until either changes: every line of one request in one logger reuses it. An access line is the only
 * line of its request, so the rebuild is on the hot path: the key order is recomputed only when the set
 * of correlation keys changes, and the joined text only when a line without fields of its own asks.
 */
export interface BaseFields {
  valid: boolean;
  spanId: string | undefined;
  spanName: string | undefined;
  traceId: string | undefined;
  context: RequestContext | undefined;
  /**
   * Which of the five correlation keys are present (bit c for CORRELATION_KEYS[c]); -1 before the first
   * rebuild. With the logger's fixed bindings it determines `keys`, so a cached field layout is valid
   * while the mask is unchanged.
   */
  correlationMask: number;
  /** Sorted keys of bindings and present correlation keys. */
  keys: string[];
  /** Where each key comes from: `i >= 0` is binding i, `~c` is correlation key c. */
  sources: number[];
  /** `,"key":value` per key, for the current correlation. */
  fragments: string[];
  /** All fragments joined, made on first use after a rebuild. */
  joined: string | undefined;
}

export function emptyBaseFields(): BaseFields {
  return {
    valid: false,
    spanId: undefined,
    spanName: undefined,
    traceId: undefined,
    context: undefined,
    correlationMask: -1,
    keys: [],
    sources: [],
    fragments: [],
    joined: undefined,
  };
}

/** True when `base` no longer describes `correlation` and must be rebuilt. */
export function isStale(base: BaseFields, correlation: Correlation): boolean {
  return (
    !base.valid ||
    base.context !== correlation.requestContext ||
    base.spanId !== correlation.spanId ||
    base.spanName !== correlation.spanName ||
    base.traceId !== correlation.traceId
  );
}

/**
 * The quoted span name of the last rebuild: a logger's lines inside spans carry the same few names (the
 * access line always `http-request`), so the name is escaped once, not per request.
 */
let lastSpanName: string | undefined;
let lastSpanNameMax = -1;
let lastSpanNameJson = '';

function spanNameJson(name: string, max: number): string {
  if (name !== lastSpanName || max !== lastSpanNameMax) {
    lastSpanNameJson = quote(name, max);
    lastSpanName = name;
    lastSpanNameMax = max;
  }
  return lastSpanNameJson;
}

/**
 * Fills `into` with `,"key":value` for each correlation key present (undefined for the absent). A
 * request without an `x-request-id` of its own carries its request id under both keys: escaped once.
 */
function correlationFragments(into: (string | undefined)[], correlation: Correlation, max: number): void {
  const context = correlation.requestContext;
  const requestId = context?.requestId;
  const requestIdJson = requestId === undefined ? undefined : quote(requestId, max);
  into[0] = requestIdJson === undefined ? undefined : `,"request_id":${requestIdJson}`;
  into[1] = correlation.spanId === undefined ? undefined : `,"span_id":"${correlation.spanId}"`;
  into[2] =
    correlation.spanName === undefined
      ? undefined
      : `,"span_name":${spanNameJson(correlation.spanName, max)}`;
  into[3] = correlation.traceId === undefined ? undefined : `,"trace_id":"${correlation.traceId}"`;
  const xRequestId = context?.xRequestId;
  into[4] =
    xRequestId === undefined
      ? undefined
      : `,"x_request_id":${xRequestId === requestId ? requestIdJson : quote(xRequestId, max)}`;
}

/** The merged key order for this set of correlation keys (bindings never hold one: they are reserved). */
function orderKeys(base: BaseFields, bindings: readonly BoundField[], mask: number): void {
  const keys = base.keys;
  const sources = base.sources;
  keys.length = 0;
  sources.length = 0;
  let b = 0;
  for (let c = 0; c < CORRELATION_KEYS.length; c++) {
    if ((mask & (1 << c)) === 0) continue;
    const key = CORRELATION_KEYS[c] as string;
    while (b < bindings.length && (bindings[b] as BoundField).key < key) {
      keys.push((bindings[b] as BoundField).key);
      sources.push(b++);
    }
    keys.push(key);
    sources.push(~c);
  }
  for (; b < bindings.length; b++) {
    keys.push((bindings[b] as BoundField).key);
    sources.push(b);
  }
}

// The correlation fragments of the rebuild in progress (no user code runs during one).
const currentCorrelation: (string | undefined)[] = CORRELATION_KEYS.map(() => undefined);

/** Rebuilt whenever the span or request changes, so once per request and logger. */
export function rebuildBase(
  base: BaseFields,
  bindings: readonly BoundField[],
  correlation: Correlation,
  max: number,
): void {
  base.valid = true;
  base.spanId = correlation.spanId;
  base.spanName = correlation.spanName;
  base.traceId = correlation.traceId;
  base.context = correlation.requestContext;
  correlationFragments(currentCorrelation, correlation, max);
  let mask = 0;
  for (let c = 0; c < CORRELATION_KEYS.length; c++) {
    if (currentCorrelation[c] !== undefined) mask |= 1 << c;
  }
  if (base.correlationMask !== mask) {
    orderKeys(base, bindings, mask);
    base.correlationMask = mask;
  }
  const sources = base.sources;
  const fragments = base.fragments;
  for (let k = 0; k < sources.length; k++) {
    const source = sources[k] as number;
    fragments[k] =
      source >= 0 ? (bindings[source] as BoundField).fragment : (currentCorrelation[~source] as string);
  }
  base.joined = undefined;
}

/** All base fragments as one string (what a line without fields of its own carries). */
export function joinedBase(base: BaseFields): string {
  if (base.joined === undefined) {
    let joined = '';
    for (let k = 0; k < base.keys.length; k++) joined += base.fragments[k] as string;
    base.joined = joined;
  }
  return base.joined;
}
