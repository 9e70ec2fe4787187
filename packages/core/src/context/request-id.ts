import { randomRequestUuid } from './uuid-pool.ts';

/**
 * Inbound `x-request-id` values are accepted only when they are 1–128 characters of a conservative
 * charset (standards §4.3); anything else is replaced by a fresh UUIDv4 and never reflected raw into
 * logs or response headers.
 */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._~+/=:@-]{1,128}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const MAX_REQUEST_ID_LENGTH = 128;

export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && ACCEPTED_REQUEST_ID.test(value);
}

/** Dynamo accepts an inbound `request-id` only when it is a UUID. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export interface ResolvedRequestId {
  /** The id to use and echo. */
  readonly id: string;
  /** True when an inbound value was present but rejected and replaced. */
  readonly replaced: boolean;
}

/** Accepts the inbound header value when valid, otherwise generates a UUIDv4. */
export function resolveRequestId(inbound: string | readonly string[] | undefined): ResolvedRequestId {
  const value = Array.isArray(inbound) ? (inbound.length === 1 ? inbound[0] : undefined) : inbound;
  if (isValidRequestId(value)) return { id: value, replaced: false };
  return { id: randomRequestUuid(), replaced: inbound !== undefined };
}
