import type { IncomingHttpHeaders } from 'node:http';
import { getRequestContext } from '@dynotel/core';
import { type Context, context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextStrictPropagator } from './w3c-propagator.ts';

/**
 * Header containers accepted by `extractTraceContext` / `injectTraceHeaders`: Node's
 * `IncomingHttpHeaders`, a plain record, a fetch/undici `Headers`, or undici's array of pairs.
 */
export type HeaderRecord = Record<string, string | readonly string[] | number | undefined>;
export interface HeadersLike {
  get(name: string): string | null;
  set(name: string, value: string): void;
}
export type HeaderCarrier = HeaderRecord | HeadersLike | Array<[string, string]>;

export interface InjectOptions {
  /** The context whose span continues downstream. Default: the active context. */
  readonly context?: Context | undefined;
  /**
   * Also send `x-request-id` and `request-id` from the request context (what Dynamo's frontend sends
   * to its workers), when there is one. Default true.
   */
  readonly requestIds?: boolean | undefined;
}

export const propagator: W3CTraceContextStrictPropagator = new W3CTraceContextStrictPropagator();

function isHeadersLike(carrier: unknown): carrier is HeadersLike {
  return (
    typeof (carrier as HeadersLike).get === 'function' && typeof (carrier as HeadersLike).set === 'function'
  );
}

const getter: TextMapGetter<HeaderCarrier> = {
  keys(carrier) {
    if (Array.isArray(carrier)) return carrier.map(([key]) => key.toLowerCase());
    if (isHeadersLike(carrier)) return [];
    return Object.keys(carrier).map((key) => key.toLowerCase());
  },
  get(carrier, key) {
    if (Array.isArray(carrier)) {
      const values = carrier.filter(([name]) => name.toLowerCase() === key).map(([, value]) => value);
      return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
    }
    if (isHeadersLike(carrier)) return carrier.get(key) ?? undefined;
    let value = carrier[key];
    if (value === undefined) {
      // Node lower-cases header names; plain records written by hand may not.
      for (const name of Object.keys(carrier)) if (name.toLowerCase() === key) value = carrier[name];
    }
    if (value === undefined) return undefined;
    if (typeof value === 'number') return String(value);
    return value as string | string[];
  },
};

/**
 * For Node's `IncomingMessage.headers`, whose names Node has already lower-cased: a missing header is
 * missing, with no case-insensitive scan of every name (a request without `traceparent`, the usual case
 * at a frontend, would otherwise list and lower-case all of its header names).
 */
const incomingGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    return carrier[key];
  },
};

const setter: TextMapSetter<HeaderCarrier> = {
  set(carrier, key, value) {
    if (Array.isArray(carrier)) {
      for (let i = carrier.length - 1; i >= 0; i--)
        if (carrier[i]?.[0].toLowerCase() === key) carrier.splice(i, 1);
      carrier.push([key, value]);
    } else if (isHeadersLike(carrier)) {
      carrier.set(key, value);
    } else {
      for (const name of Object.keys(carrier))
        if (name !== key && name.toLowerCase() === key) delete carrier[name];
      carrier[key] = value;
    }
  },
};

/**
 * The context an incoming request continues: the active context with the remote span of a valid
 * `traceparent` (and its `tracestate`). With no or an invalid `traceparent` the context is returned
 * unchanged, so the next span starts a new trace.
 */
export function extractTraceContext(headers: HeaderCarrier, parent: Context = context.active()): Context {
  return propagator.extract(parent, headers, getter);
}

/**
 * `extractTraceContext` for Node's `IncomingMessage.headers` (node:http, Express, Fastify's
 * `request.raw.headers`), which Node keys by lower-cased name: the same result without looking for the
 * header under other spellings. The HTTP middleware extracts with it on every request.
 */
export function extractIncomingTraceContext(
  headers: IncomingHttpHeaders,
  parent: Context = context.active(),
): Context {
  return propagator.extract(parent, headers, incomingGetter);
}

/**
 * Writes `traceparent` (and `tracestate`) for the current span into outgoing request headers, plus
 * `x-request-id` / `request-id` from the request context; returns the same container (a new record
 * when none is given). Pass the result as `headers` of fetch/undici so the next hop continues the trace.
 */
export function injectTraceHeaders<H extends HeaderCarrier = Record<string, string>>(
  headers?: H,
  options: InjectOptions = {},
): H {
  const carrier = (headers ?? {}) as H;
  propagator.inject(options.context ?? context.active(), carrier, setter);
  if (options.requestIds !== false) {
    const request = getRequestContext();
    if (request !== undefined) {
      if (request.xRequestId !== undefined) setter.set(carrier, 'x-request-id', request.xRequestId);
      setter.set(carrier, 'request-id', request.requestId);
    }
  }
  return carrier;
}
