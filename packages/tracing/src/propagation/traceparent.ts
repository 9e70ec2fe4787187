import { type SpanContext, TraceFlags } from '@opentelemetry/api';

/**
 * W3C Trace Context `traceparent`, exactly as the spec reads it (w3c/trace-context
 * spec/20-http_request_header_format.md):
 * - version: 2 lower-case hex digits, `ff` is invalid; for version `00` the value is exactly 55
 *   characters; a higher version may carry more data after a `-` at position 55;
 * - trace-id 32 and parent-id 16 lower-case hex digits, neither all zeros;
 * - trace-flags 2 lower-case hex digits; only the `sampled` bit is kept (unknown bits are zeroed);
 * - optional whitespace (space, tab) around the value is allowed.
 * Anything else is invalid and the caller starts a new trace.
 */

const LOWER_HEX = /^[0-9a-f]+$/;
const ALL_ZERO = /^0+$/;

/** The remote span context a `traceparent` value describes, or `undefined` when it is invalid. */
export function parseTraceparent(header: string): SpanContext | undefined {
  const value = trimOws(header);
  if (value.length < 55) return undefined;
  const version = value.slice(0, 2);
  if (!LOWER_HEX.test(version) || version === 'ff') return undefined;
  if (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!LOWER_HEX.test(traceId) || ALL_ZERO.test(traceId)) return undefined;
  if (!LOWER_HEX.test(spanId) || ALL_ZERO.test(spanId)) return undefined;
  if (!LOWER_HEX.test(flags)) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}

/** Formats a valid span context as a version-00 `traceparent`; only the sampled flag is propagated. */
export function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & TraceFlags.SAMPLED}`;
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
