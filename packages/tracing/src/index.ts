// @dynotel/tracing public API. Everything exported here is listed by name.
// Test utilities live in the `@dynotel/tracing/testing` entry point; what only the dynotel package uses in
// `@dynotel/tracing/internal`.
export { DynotelContextManager } from './context-manager.ts';
export { type TracingErrorCode, tracingErrors } from './errors.ts';
export type {
  BatchOptions,
  OtlpProtocol,
  ResolvedTracingOptions,
  RetryOptions,
  TracesSamplerName,
  TracingOptions,
} from './options.ts';
export {
  extractIncomingTraceContext,
  extractTraceContext,
  type HeaderCarrier,
  type HeaderRecord,
  type HeadersLike,
  type InjectOptions,
  injectTraceHeaders,
} from './propagation/headers.ts';
export {
  injectTraceContext,
  isInstrumentationSuppressed,
  type SetOutgoingHeader,
} from './propagation/outgoing.ts';
export {
  isValidTraceStateKey,
  isValidTraceStateValue,
  LARGE_MEMBER_LENGTH,
  MAX_MEMBERS,
  MAX_PROPAGATED_LENGTH,
  W3CTraceState,
} from './propagation/trace-state.ts';
export { formatTraceparent, parseTraceparent, RANDOM_TRACE_FLAG } from './propagation/traceparent.ts';
export {
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type W3CPropagatorOptions,
  W3CTraceContextStrictPropagator,
} from './propagation/w3c-propagator.ts';
export { RESOURCE_DYNAMO_COMPONENT, RESOURCE_DYNAMO_NAMESPACE } from './resource.ts';
export {
  ATTR_REQUEST_ID,
  ATTR_X_REQUEST_ID,
  currentTraceIds,
  type RequestIds,
  setRequestIdAttributes,
  type WithSpanOptions,
  withSpan,
} from './span-helpers.ts';
export { createTracing, DEFAULT_FLUSH_TIMEOUT_MS, type Tracing } from './tracing.ts';
