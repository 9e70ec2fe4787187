import type { RequestContext } from '@dynotel/core';
import { CORRELATION_KEYS, type Correlation } from '../correlation.ts';
import type { BoundField } from './fields.ts';
import { quote } from './json-text.ts';

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
  /**
   * Which of the four correlation keys are present (bit c for CORRELATION_KEYS[c]). With the logger's
   * fixed bindings it determines `keys`, so a cached field layout is valid while the mask is unchanged.
   */
  correlationMask: number;
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
    correlationMask: 0,
    keys: [],
    fragments: [],
    joined: '',
  };
}

/** True when `base` no longer describes `correlation` and must be rebuilt. */
export function isStale(base: BaseFields, correlation: Correlation): boolean {
  return (
    !base.valid ||
    base.context !== correlation.requestContext ||
    base.spanId !== correlation.spanId ||
    base.traceId !== correlation.traceId
  );
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
export function rebuildBase(
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
  let mask = 0;
  let b = 0;
  for (let c = 0; c < 4; c++) {
    const fragment = correlationFragment(c, correlation, max);
    if (fragment === undefined) continue;
    mask |= 1 << c;
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
  base.correlationMask = mask;
  base.joined = joined;
}
