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

/** Runs `fn` with `context` as the request context of everything it calls, synchronously or not. */
export function runWithRequestContext<R>(context: RequestContext, fn: () => R): R {
  return storage.run(context, fn);
}

/** The current request context, or `undefined` outside a request. Cheap: one `getStore()`. */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current request context; throws `ERR_DYNOTEL_CONTEXT_MISSING` outside a request. */
export function requireRequestContext(): RequestContext {
  const context = storage.getStore();
  if (context === undefined) {
    throw new DynotelError(
      'ERR_DYNOTEL_CONTEXT_MISSING',
      'no request context is active: call this inside a request handled by the dynotel middleware or inside runWithRequestContext()',
    );
  }
  return context;
}
