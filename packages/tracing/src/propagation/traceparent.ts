import { type SpanContext, TraceFlags } from '@opentelemetry/api';

/**
 * W3C Trace Context `traceparent`, exactly as the spec reads it (w3c/trace-context
 * spec/20-http_request_header_format.md):
 * - version: 2 lower-case hex digits, `ff` is invalid; for version `00` the value is exactly 55
 *   characters; a higher version may carry more data after a `-` at position 55;
 * - trace-id 32 and parent-id 16 lower-case hex digits, neither all zeros;
 * - trace-flags 2 lower-case hex digits; the `sampled` (0x01) and, from Level 2, `random` (0x02) bits
 *   are kept, unknown bits are zeroed;
 * - optional whitespace (space, tab) around the value is allowed.
 * Anything else is invalid and the caller starts a new trace.
 */

/** The remote span context a `traceparent` value describes, or `undefined` when it is invalid. */
export function parseTraceparent(header: string): SpanContext | undefined {
  const value = trimOws(header);
  const length = value.length;
  if (length < 55) return undefined;
  // One pass over the fixed positions, no regular expression or slice before the value is known valid:
  // every request behind a traced frontend carries one.
  if (!isLowerHex(value, 0, 2) || (value.charCodeAt(0) === F && value.charCodeAt(1) === F)) return undefined;
  const v00 = value.charCodeAt(0) === ZERO && value.charCodeAt(1) === ZERO;
  if (v00 ? length !== 55 : length > 55 && value.charCodeAt(55) !== DASH) return undefined;
  if (value.charCodeAt(2) !== DASH || value.charCodeAt(35) !== DASH || value.charCodeAt(52) !== DASH) {
    return undefined;
  }
  if (!isLowerHex(value, 3, 35) || isAllZero(value, 3, 35)) return undefined;
  if (!isLowerHex(value, 36, 52) || isAllZero(value, 36, 52)) return undefined;
  if (!isLowerHex(value, 53, 55)) return undefined;
  return {
    traceId: value.slice(3, 35),
    spanId: value.slice(36, 52),
    traceFlags: hexDigit(value.charCodeAt(54)) & KNOWN_FLAGS,
    isRemote: true,
  };
}

/** Level 2's `random` trace flag: the trace id's right-most 7 bytes are random. */
export const RANDOM_TRACE_FLAG = 0x02;
/** The trace flags Level 2 defines; the others are zeroed when a `traceparent` is read or written. */
const KNOWN_FLAGS = TraceFlags.SAMPLED | RANDOM_TRACE_FLAG;

const ZERO = 0x30;
const NINE = 0x39;
const LOWER_A = 0x61;
const F = 0x66;
const DASH = 0x2d;

/** Every character of `value[start, end)` is one of `0-9a-f`. */
function isLowerHex(value: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= ZERO && c <= NINE) || (c >= LOWER_A && c <= F))) return false;
  }
  return true;
}

function isAllZero(value: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (value.charCodeAt(i) !== ZERO) return false;
  return true;
}

/** The value of a lower-case hex digit already validated. */
function hexDigit(c: number): number {
  return c <= NINE ? c - ZERO : c - LOWER_A + 10;
}

/**
 * Formats a valid span context as a version-00 `traceparent` with its `sampled` and `random` flags
 * (`extraFlags` are or-ed in first: the propagator adds `random` for a trace whose flag the SDK's child
 * spans do not carry).
 */
export function formatTraceparent(spanContext: SpanContext, extraFlags = 0): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-0${(spanContext.traceFlags | extraFlags) & KNOWN_FLAGS}`;
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
