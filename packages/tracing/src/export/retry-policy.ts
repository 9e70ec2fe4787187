/**
 * Which OTLP failures may be retried (opentelemetry-proto docs/specification.md, "Failures") and how
 * long to wait before the next attempt.
 */

/** gRPC status names by code (fixed by the gRPC spec). */
export const GRPC_CODE_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

const RESOURCE_EXHAUSTED = 8;
// CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS.
const RETRYABLE_GRPC = new Set([1, 4, 10, 11, 14, 15]);

export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES[code] ?? `CODE_${code}`;
}

/** RESOURCE_EXHAUSTED is retryable only when the server sent RetryInfo. */
export function isRetryableGrpcCode(code: number, hasRetryInfo: boolean): boolean {
  return RETRYABLE_GRPC.has(code) || (code === RESOURCE_EXHAUSTED && hasRetryInfo);
}

/** OTLP/HTTP: 429, 502, 503, 504 are retryable; every other non-2xx status is not. */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** `Retry-After` in seconds or as an HTTP date, in ms from now; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface BackoffSettings {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
}

/** Exponential backoff with ±20 % jitter for the retry after attempt number `attempt` (1-based). */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random = Math.random): number {
  const base = Math.min(
    settings.maxBackoffMs,
    settings.initialBackoffMs * settings.backoffMultiplier ** (attempt - 1),
  );
  return base * (0.8 + 0.4 * random());
}
