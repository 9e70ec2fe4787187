import type { AttributeValue, Span } from '@opentelemetry/api';

/**
 * What `setAttribute` reads and writes on the SDK's span (`SpanImpl` of @opentelemetry/sdk-trace 3.1,
 * not exported, so recognised by these fields). `_spanLimits` holds the limits the provider resolved
 * (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT); undefined means no limit.
 */
interface SdkSpanAttributeState {
  readonly attributes: Record<string, AttributeValue>;
  _attributesCount: number;
  readonly _spanLimits: {
    readonly attributeCountLimit?: number;
    readonly attributeValueLengthLimit?: number;
  };
  readonly _ended: boolean;
}

/** The SDK span's attribute state, or undefined for any other span (a no-op span, another SDK's). */
export function sdkSpanAttributeState(span: Span): SdkSpanAttributeState | undefined {
  const state = span as unknown as Partial<SdkSpanAttributeState>;
  return typeof state._attributesCount === 'number' &&
    typeof state._ended === 'boolean' &&
    typeof state.attributes === 'object' &&
    state.attributes !== null &&
    typeof state._spanLimits === 'object' &&
    state._spanLimits !== null
    ? (state as SdkSpanAttributeState)
    : undefined;
}

/**
 * `span.setAttribute(key, value)` for a value the type system already holds to a string, number or
 * boolean, with the same result on the span. The SDK's `setAttribute` validates every value as an
 * arbitrary AnyValue (allocating a WeakSet for its cycle check) and builds an options object per call:
 * about 60 ns per attribute, half a microsecond for the HTTP server span's nine. Here the common case
 * (an open SDK span, a non-empty key, a string within the value length limit, a new key within the
 * count limit or an existing key) is written as the SDK would write it; every other case, and any
 * span that is not the SDK's, goes through `setAttribute` itself (its drops, truncation and warnings).
 */
export function setPrimitiveAttribute(span: Span, key: string, value: string | number | boolean): void {
  const state = sdkSpanAttributeState(span);
  if (state !== undefined && !state._ended && key.length > 0) {
    const limits = state._spanLimits;
    const lengthLimit = limits.attributeValueLengthLimit;
    if (
      typeof value !== 'string' ||
      lengthLimit === undefined ||
      (lengthLimit > 0 && value.length <= lengthLimit)
    ) {
      const attributes = state.attributes;
      if (Object.hasOwn(attributes, key)) {
        attributes[key] = value;
        return;
      }
      const countLimit = limits.attributeCountLimit;
      if (countLimit === undefined || state._attributesCount < countLimit) {
        attributes[key] = value;
        state._attributesCount++;
        return;
      }
    }
  }
  span.setAttribute(key, value);
}
