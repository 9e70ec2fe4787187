import type { HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';

/**
 * Generated ReadableSpans for the encoder tests: every field, every AnyValue kind, short and long,
 * non-ASCII and lone-surrogate strings, two resources and three scopes.
 */
const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  // Long strings, non-ASCII ones whose byte length needs a multi-byte varint included.
  fc.string({ minLength: 23, maxLength: 160 }),
  fc.string({ unit: 'binary', minLength: 23, maxLength: 160 }),
  fc.constantFrom('', 'é', '\u{1F600}', '\uD800', 'a\uDC00b', 'x'.repeat(200), `${'y'.repeat(40)}\uD800é`),
);
const primitive = fc.oneof(
  text,
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 2 ** 32, 2 ** 53 - 1, -(2 ** 53), 2 ** 63, -(2 ** 63), 1e300, Number.NaN),
  fc.constant(undefined),
  fc.constant(null),
);
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    primitive,
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const attributes = fc.dictionary(text, anyValue, { maxKeys: 12 });
const hrTime: fc.Arbitrary<HrTime> = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constant(1_795_000_000)),
  fc.integer({ min: 0, max: 999_999_999 }),
);
const traceState = fc.option(
  fc
    .constantFrom('vendor=value', 'a=1,b=2', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE')
    .map((s) => new TraceState(s)),
  { nil: undefined },
);
const spanContext = fc.record(
  {
    traceId: hex(16),
    spanId: hex(8),
    traceFlags: fc.integer({ min: 0, max: 255 }),
    isRemote: fc.option(fc.boolean(), { nil: undefined }),
    traceState,
  },
  { requiredKeys: ['traceId', 'spanId', 'traceFlags'] },
);
const event = fc.record(
  { time: hrTime, name: text, attributes, droppedAttributesCount: fc.nat(1000) },
  { requiredKeys: ['time', 'name'] },
);
const link = fc.record(
  { context: spanContext, attributes, droppedAttributesCount: fc.nat(1000) },
  { requiredKeys: ['context'] },
);

const resources = [
  resourceFromAttributes({ 'service.name': 'gateway', 'service.instance.id': 'a-1' }),
  resourceFromAttributes({ 'service.name': 'wörker', 'host.cpus': 2, tags: ['a', 'b'] }),
];
const scopes = [
  { name: 'dynotel' },
  { name: 'dynotel', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
  { name: 'ünïcode-scope', version: '' },
];

export const span: fc.Arbitrary<ReadableSpan> = fc
  .record({
    name: text,
    kind: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    context: spanContext,
    parent: fc.option(spanContext, { nil: undefined }),
    startTime: hrTime,
    endTime: hrTime,
    status: fc.record(
      { code: fc.integer({ min: 0, max: 2 }), message: fc.option(text, { nil: undefined }) },
      { requiredKeys: ['code'] },
    ),
    attributes,
    events: fc.array(event, { maxLength: 3 }),
    links: fc.array(link, { maxLength: 3 }),
    droppedAttributesCount: fc.nat(5000),
    droppedEventsCount: fc.nat(5000),
    droppedLinksCount: fc.nat(5000),
    resource: fc.integer({ min: 0, max: resources.length - 1 }),
    scope: fc.integer({ min: 0, max: scopes.length - 1 }),
  })
  .map(
    (s) =>
      ({
        name: s.name,
        kind: s.kind,
        spanContext: () => s.context,
        parentSpanContext: s.parent,
        startTime: s.startTime,
        endTime: s.endTime,
        status: s.status,
        attributes: s.attributes,
        links: s.links,
        events: s.events,
        duration: [0, 0],
        ended: true,
        resource: resources[s.resource]!,
        instrumentationScope: scopes[s.scope]!,
        droppedAttributesCount: s.droppedAttributesCount,
        droppedEventsCount: s.droppedEventsCount,
        droppedLinksCount: s.droppedLinksCount,
      }) as unknown as ReadableSpan,
  );
