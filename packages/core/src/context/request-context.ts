import { AsyncLocalStorage } from 'node:async_hooks';
import { DynotelError } from '../errors/dynotel-error.ts';
import { processSingleton } from '../internal/process-singleton.ts';

/**
 * What dynotel knows about the request being served. Set once per request by the middleware (one
 * `run()`), read by the logger for every line and by the metrics/tracing helpers.
 */
export interface RequestContext {
  /** Dynamo's `request_id`: a valid inbound `request-id` UUID, or a generated UUIDv4. */
  readonly requestId: string;
  /** Dynamo's `x_request_id`: the inbound `x-request-id` when it passed validation, else the generated id. */
  readonly xRequestId?: string | undefined;
  /** Extra fields the service wants on every log line of this request (e.g. `model`). Mutable on purpose. */
  readonly fields?: Record<string, unknown> | undefined;
}

const storage = processSingleton('dynotel.requestContext', () => new AsyncLocalStorage<RequestContext>());

/** Reads a request context carried by another context (the active OpenTelemetry context). */
export type RequestContextCarrier = () => RequestContext | undefined;

// Process-wide like the storage: every copy of this package must read the same carrier.
const carrier = processSingleton<{ read: RequestContextCarrier | undefined }>(
  'dynotel.requestContextCarrier',
  () => ({ read: undefined }),
);

/** Runs `fn` with `context` as the request context of everything it calls, synchronously or not. */
export function runWithRequestContext<R>(context: RequestContext, fn: () => R): R {
  return storage.run(context, fn);
}

/**
 * The current request context, or `undefined` outside a request. The one set by `runWithRequestContext`
 * wins; otherwise the carrier's (the HTTP middleware puts a request's context inside its OpenTelemetry
 * context, so one context frame per request carries both). Cheap: one or two `getStore()`.
 */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore() ?? carrier.read?.();
}

/**
 * For @dynotel/tracing while its context manager is the global one: `getRequestContext()` also reads
 * the request context carried by the active OpenTelemetry context. `undefined` stops it.
 */
export function setRequestContextCarrier(read: RequestContextCarrier | undefined): void {
  carrier.read = read;
}

/** The current request context; throws `ERR_DYNOTEL_CONTEXT_MISSING` outside a request. */
export function requireRequestContext(): RequestContext {
  const context = getRequestContext();
  if (context === undefined) {
    throw new DynotelError(
      'ERR_DYNOTEL_CONTEXT_MISSING',
      'no request context is active: call this inside a request handled by the dynotel middleware or inside runWithRequestContext()',
    );
  }
  return context;
}
