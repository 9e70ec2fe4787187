import type { AttributeValue, Span } from '@opentelemetry/api';
import { sdkSpanAttributeState, setPrimitiveAttribute } from './primitive-attribute.ts';
import { ATTR_REQUEST_ID, ATTR_X_REQUEST_ID } from './span-helpers.ts';

/** What dynotel's HTTP server span records of its request when it starts. */
export interface RequestSpanAttributes {
  /** Dynamo's `method`: the request's method as received. */
  readonly method: string;
  /** Dynamo's `uri`. */
  readonly uri: string;
  /** Dynamo's `version` (`HTTP/1.1`). */
  readonly version: string;
  /** `http.request.method`: the method normalised as the OTel HTTP conventions ask. */
  readonly requestMethod: string;
  /** `url.path`. */
  readonly path: string;
  /** `x_request_id`: the id the client sent (validated) or the generated one. */
  readonly xRequestId: string;
  /** `request_id`: Dynamo's request UUID. */
  readonly requestId: string;
}

const REQUEST_ATTRIBUTE_COUNT = 7;

/**
 * Sets a request's attributes on the span just started for it, in this order: `method`, `uri`,
 * `version`, `http.request.method`, `url.path`, `x_request_id`, `request_id`. The span is left exactly
 * as `setPrimitiveAttribute` one key at a time leaves it. When the span is the SDK's, has no attribute
 * yet and every value fits the limits (the usual case), the attributes are written directly under their
 * literal names: a store with a constant name is a fraction of the cost of one with a variable name,
 * and every traced request pays seven.
 */
export function setRequestSpanAttributes(span: Span, values: RequestSpanAttributes): void {
  const state = sdkSpanAttributeState(span);
  if (state !== undefined && !state._ended && state._attributesCount === 0) {
    const limits = state._spanLimits;
    const countLimit = limits.attributeCountLimit;
    if (
      (countLimit === undefined || countLimit >= REQUEST_ATTRIBUTE_COUNT) &&
      withinLengthLimit(limits.attributeValueLengthLimit, values)
    ) {
      const attributes: Record<string, AttributeValue> = state.attributes;
      attributes.method = values.method;
      attributes.uri = values.uri;
      attributes.version = values.version;
      attributes['http.request.method'] = values.requestMethod;
      attributes['url.path'] = values.path;
      attributes.x_request_id = values.xRequestId;
      attributes.request_id = values.requestId;
      state._attributesCount = REQUEST_ATTRIBUTE_COUNT;
      return;
    }
  }
  setPrimitiveAttribute(span, 'method', values.method);
  setPrimitiveAttribute(span, 'uri', values.uri);
  setPrimitiveAttribute(span, 'version', values.version);
  setPrimitiveAttribute(span, 'http.request.method', values.requestMethod);
  setPrimitiveAttribute(span, 'url.path', values.path);
  setPrimitiveAttribute(span, ATTR_X_REQUEST_ID, values.xRequestId);
  setPrimitiveAttribute(span, ATTR_REQUEST_ID, values.requestId);
}

/**
 * Sets `http.response.status_code` and, when the route is known, `http.route` on a request's span as it
 * finishes, as `setPrimitiveAttribute` does; directly (constant names) when neither is set yet and both
 * fit the limits.
 */
export function setResponseSpanAttributes(span: Span, statusCode: number, route: string | undefined): void {
  const state = sdkSpanAttributeState(span);
  if (state !== undefined && !state._ended) {
    const attributes: Record<string, AttributeValue> = state.attributes;
    const limits = state._spanLimits;
    const count = state._attributesCount + (route === undefined ? 1 : 2);
    const countLimit = limits.attributeCountLimit;
    const lengthLimit = limits.attributeValueLengthLimit;
    if (
      (countLimit === undefined || countLimit >= count) &&
      (route === undefined || fits(lengthLimit, route)) &&
      !Object.hasOwn(attributes, 'http.response.status_code') &&
      !Object.hasOwn(attributes, 'http.route')
    ) {
      attributes['http.response.status_code'] = statusCode;
      if (route !== undefined) attributes['http.route'] = route;
      state._attributesCount = count;
      return;
    }
  }
  setPrimitiveAttribute(span, 'http.response.status_code', statusCode);
  if (route !== undefined) setPrimitiveAttribute(span, 'http.route', route);
}

function withinLengthLimit(limit: number | undefined, values: RequestSpanAttributes): boolean {
  return (
    limit === undefined ||
    (fits(limit, values.method) &&
      fits(limit, values.uri) &&
      fits(limit, values.version) &&
      fits(limit, values.requestMethod) &&
      fits(limit, values.path) &&
      fits(limit, values.xRequestId) &&
      fits(limit, values.requestId))
  );
}

/**
 * Whether `value` may be written directly under this value length limit, as setPrimitiveAttribute
 * decides: within a positive limit (the SDK's own handling of a limit ≤ 0 is left to it).
 */
function fits(limit: number | undefined, value: string): boolean {
  return limit === undefined || (limit > 0 && value.length <= limit);
}
