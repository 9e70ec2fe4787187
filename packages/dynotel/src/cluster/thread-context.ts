import { getRequestContext, type RequestContext, runWithRequestContext } from '@dynotel/core';

/**
 * The current request context as a plain, structured-clone-safe object, to put in the message that hands
 * work to a worker thread (or a cluster worker): `worker.postMessage({ job, context: requestContextForWorker() })`.
 * `fields` that cannot be cloned (functions, sockets) are left out. Undefined outside a request.
 */
export function requestContextForWorker(): RequestContext | undefined {
  const context = getRequestContext();
  if (context === undefined) return undefined;
  const base = {
    requestId: context.requestId,
    ...(context.xRequestId === undefined ? {} : { xRequestId: context.xRequestId }),
  };
  if (context.fields === undefined) return base;
  try {
    return { ...base, fields: structuredClone(context.fields) };
  } catch {
    return base;
  }
}

/**
 * In the worker: runs `fn` with the request context that came in the message, so every log line it
 * writes (and every line of what it calls, synchronously or not) carries that request's ids. Without a
 * usable context (`undefined`, or not an object with a string `requestId`) it just runs `fn`.
 */
export function runWithWorkerRequestContext<R>(context: unknown, fn: () => R): R {
  if (
    typeof context !== 'object' ||
    context === null ||
    typeof (context as { requestId?: unknown }).requestId !== 'string'
  )
    return fn();
  return runWithRequestContext(context as RequestContext, fn);
}
