import type { OperatorErrorType } from './operator-metrics.ts';

/**
 * Dynamo's `categorizeError` for JavaScript errors: the `error_type` of a failed reconcile from the
 * Kubernetes API status it carries. Like apimachinery's `IsNotFound`/`IsConflict`/…, the status
 * `reason` decides first and the HTTP code only when the reason is missing or not one Kubernetes
 * knows; anything without an API status is `internal`. The checks run in Dynamo's order, so
 * `AlreadyExists` (also a 409) is `already_exists`, not `conflict`.
 *
 * Where the status is found, on the error or along its `cause` chain (Go's `errors.As`):
 * - a `Status` object itself (`{ kind: 'Status', reason, code }`),
 * - `body` as a `Status` object or its JSON text (@kubernetes/client-node's `ApiException` and
 *   `HttpError`),
 * - a numeric `code` (`ApiException`), `statusCode` (`HttpError`), `status`, or `response.statusCode` /
 *   `response.status`. Node's string error codes (`ECONNREFUSED`) are not HTTP codes.
 */
export function operatorErrorType(error: unknown): OperatorErrorType {
  const status = apiStatusOf(error);
  if (status === undefined) return 'internal';
  return categorize(status.reason, status.code);
}

export interface ApiStatus {
  readonly reason: string;
  readonly code: number;
}

/** apimachinery's `knownReasons` (the empty "unknown" reason is deliberately not one). */
const KNOWN_REASONS = new Set([
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Gone',
  'Invalid',
  'ServerTimeout',
  'StoreReadError',
  'Timeout',
  'TooManyRequests',
  'BadRequest',
  'MethodNotAllowed',
  'NotAcceptable',
  'RequestEntityTooLarge',
  'UnsupportedMediaType',
  'InternalError',
  'Expired',
  'ServiceUnavailable',
]);

/** [error type, status reason, HTTP code used when the reason is unknown] in `categorizeError` order. */
const CHECKS: ReadonlyArray<readonly [OperatorErrorType, string, number | undefined]> = [
  ['not_found', 'NotFound', 404],
  ['already_exists', 'AlreadyExists', undefined],
  ['conflict', 'Conflict', 409],
  ['validation', 'Invalid', 422],
  ['bad_request', 'BadRequest', 400],
  ['unauthorized', 'Unauthorized', 401],
  ['forbidden', 'Forbidden', 403],
  ['timeout', 'Timeout', 504],
  ['server_timeout', 'ServerTimeout', undefined],
  ['unavailable', 'ServiceUnavailable', 503],
  ['rate_limited', 'TooManyRequests', 429],
];

function categorize(reason: string, code: number): OperatorErrorType {
  const reasonKnown = KNOWN_REASONS.has(reason);
  for (const [type, checkReason, checkCode] of CHECKS) {
    if (reason === checkReason) return type;
    if (!reasonKnown && checkCode !== undefined && code === checkCode) return type;
  }
  return 'internal';
}

const MAX_CAUSE_DEPTH = 8;

/** The first API status on the error or its causes, or undefined when there is none. */
export function apiStatusOf(error: unknown): ApiStatus | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && isObject(current); depth++) {
    const status = ownApiStatus(current);
    if (status !== undefined) return status;
    current = current.cause;
  }
  return undefined;
}

function ownApiStatus(error: Record<string, unknown>): ApiStatus | undefined {
  if (error.kind === 'Status') return statusObject(error);
  const body = parseBody(error.body);
  const fromBody = body?.kind === 'Status' ? statusObject(body) : undefined;
  const code =
    httpCode(error.code) ??
    httpCode(error.statusCode) ??
    httpCode(error.status) ??
    (isObject(error.response)
      ? (httpCode(error.response.statusCode) ?? httpCode(error.response.status))
      : undefined);
  if (fromBody !== undefined) {
    return { reason: fromBody.reason, code: fromBody.code !== 0 ? fromBody.code : (code ?? 0) };
  }
  return code === undefined ? undefined : { reason: '', code };
}

function statusObject(status: Record<string, unknown>): ApiStatus {
  return {
    reason: typeof status.reason === 'string' ? status.reason : '',
    code: httpCode(status.code) ?? 0,
  };
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (isObject(body)) return body;
  if (typeof body !== 'string' || !body.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function httpCode(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
