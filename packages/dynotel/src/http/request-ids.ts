import type { IncomingHttpHeaders } from 'node:http';
import { isUuid, type RequestContext, resolveRequestId } from '@dynotel/core';
import { randomRequestUuid } from '@dynotel/core/internal';

export interface RequestIdentity extends RequestContext {
  readonly xRequestId: string;
  /** An inbound x-request-id was present but invalid, and was replaced (never logged raw). */
  readonly replaced: boolean;
}

/**
 * Dynamo's two ids (reference §5.4): `request_id` is a valid inbound `request-id` UUID or a new UUIDv4;
 * `x_request_id` is the inbound `x-request-id` when it passes validation, otherwise generated (the same
 * UUID as the request id, so a request without headers costs one UUID).
 */
export function identifyRequest(headers: IncomingHttpHeaders): RequestIdentity {
  const inboundRequestId = headers['request-id'];
  const requestId = isUuid(inboundRequestId) ? inboundRequestId : randomRequestUuid();
  const inboundX = headers['x-request-id'];
  if (inboundX === undefined) return { requestId, xRequestId: requestId, replaced: false };
  const resolved = resolveRequestId(inboundX);
  return {
    requestId,
    xRequestId: resolved.replaced ? requestId : resolved.id,
    replaced: resolved.replaced,
  };
}
