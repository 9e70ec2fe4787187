import { AsyncLocalStorage } from 'node:async_hooks';
import { DynotelError } from '../errors/dynotel-error.ts';
import { processSingleton } from '../internal/process-singleton.ts';
import { ChainedContext, type FrameContext, REQUEST_CONTEXT_KEY, ROOT_FRAME } from './context-frame.ts';

/**
 * What dynotel knows about the request being served. Made once at the request's entry, stored in the
 * request's context frame, read by the logger for every line and by the metrics/tracing helpers.
 */
export interface RequestContext {
  /** Dynamo's `request_id`: a valid inbound `request-id` UUID, or a generated UUIDv4. */
  readonly requestId: string;
  /** Dynamo's `x_request_id`: the inbound `x-request-id` when it passed validation, else the generated id. */
  readonly xRequestId?: string | undefined;
  /** Extra fields the service wants on every log line of this request (e.g. `model`). Mutable on purpose. */
  readonly fields?: Record<string, unknown> | undefined;
}

/**
 * dynotel's one context store. Its value is a frame: the request context and, when @dynotel/tracing's
 * context manager is the global one, the OpenTelemetry context (that manager keeps its contexts in this
 * same store, so `context.with` and the request context are one frame, never a copy). Process-wide:
 * two installed copies of @dynotel/core share it.
 */
const storage = processSingleton('dynotel.contextFrames', () => new AsyncLocalStorage<FrameContext>());

/**
 * The store itself, for @dynotel/tracing's context manager only: everything else goes through the
 * functions below.
 */
export function contextFrameStorage(): AsyncLocalStorage<FrameContext> {
  return storage;
}

/** The current frame, or `undefined` outside any. */
export function currentFrame(): FrameContext | undefined {
  return storage.getStore();
}

/** `frame` (default: the current one, or an empty one) with `context` as its request context, no copy. */
export function frameWithRequestContext(
  context: RequestContext,
  frame: FrameContext = storage.getStore() ?? ROOT_FRAME,
): FrameContext {
  return ChainedContext.set(frame, REQUEST_CONTEXT_KEY, context);
}

/** The request context a frame carries. */
export function requestContextOf(frame: FrameContext | undefined): RequestContext | undefined {
  return frame?.getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined;
}

/** Runs `fn(...args)` in `frame`, and everything it calls, synchronously or not. */
export function runInFrame<A extends unknown[], R>(
  frame: FrameContext,
  fn: (...args: A) => R,
  ...args: A
): R {
  return storage.run(frame, fn, ...args);
}

/**
 * Makes `frame` the current one for the rest of the current synchronous run and everything it schedules
 * (AsyncLocalStorage `enterWith`). For the HTTP instrumentation, which sees a request from a diagnostics
 * channel published just before the server's 'request' event: the handler then runs in the frame.
 */
export function enterFrame(frame: FrameContext | undefined): void {
  storage.enterWith(frame as FrameContext);
}

/**
 * Runs `fn(...args)` outside every frame: timers, exporters and canaries armed inside it never run in the
 * context of the request that happened to arm them (their warnings would carry its ids).
 */
export function runOutsideRequests<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
  return storage.exit(fn, ...args);
}

/** Runs `fn` with `context` as the request context of everything it calls, synchronously or not. */
export function runWithRequestContext<R>(context: RequestContext, fn: () => R): R {
  return storage.run(frameWithRequestContext(context), fn);
}

/** The current request context, or `undefined` outside a request. One `getStore()`, no walk. */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore()?.getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined;
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
