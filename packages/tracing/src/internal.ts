// @dynotel/tracing/internal: what the dynotel package's HTTP instrumentation shares with tracing and an
// application should not use. Not a stable API. Everything exported here is listed by name.
export { ownsGlobalContext } from './context-manager.ts';
export { setPrimitiveAttribute } from './primitive-attribute.ts';
export { isExtractedRemoteSpan } from './propagation/w3c-propagator.ts';
export {
  type RequestSpanAttributes,
  setRequestSpanAttributes,
  setResponseSpanAttributes,
} from './request-span-attributes.ts';
