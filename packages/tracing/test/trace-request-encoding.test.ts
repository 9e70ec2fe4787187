import type { HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TraceRequestEncoder } from '../src/export/protobuf/trace-request.ts';

// Our single-pass encoder must produce exactly the bytes of the reference serializer of
// @opentelemetry/otlp-transformer (which the OTLP test receiver decodes with the official protos):
// compared on generated spans covering every field, every AnyValue kind, non-ASCII and lone-surrogate
// strings, several resources and scopes, and batches large enough to need multi-byte lengths.

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', 'é', '\u{1F600}', '\uD800', 'a\uDC00b', 'x'.repeat(200)),
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

const span: fc.Arbitrary<ReadableSpan> = fc
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

function reference(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

describe('TraceRequestEncoder', () => {
  test('writes exactly the reference serializer bytes for generated span batches', () => {
    const encoder = new TraceRequestEncoder();
    fc.assert(
      fc.property(fc.array(span, { minLength: 0, maxLength: 8 }), (spans) => {
        expect(Buffer.from(encoder.encode(spans)).equals(reference(spans))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  test('a batch bigger than the initial buffer grows it and stays identical; results are copies', () => {
    const encoder = new TraceRequestEncoder();
    const big = fc.sample(span, { numRuns: 600, seed: 42 });
    const first = encoder.encode(big);
    expect(first.length).toBeGreaterThan(64 * 1024);
    expect(Buffer.from(first).equals(reference(big))).toBe(true);
    const small = big.slice(0, 2);
    const second = encoder.encode(small);
    expect(Buffer.from(second).equals(reference(small))).toBe(true);
    // The first result is unchanged by the second encode (the buffer is reused, results are not).
    expect(Buffer.from(first).equals(reference(big))).toBe(true);
  });

  test('timestamps beyond 2^53 ns are exact', () => {
    const encoder = new TraceRequestEncoder();
    const [one] = fc.sample(span, { numRuns: 1, seed: 7 });
    const late = {
      ...one!,
      spanContext: one!.spanContext,
      startTime: [4_294_967_295, 999_999_999] as HrTime,
    };
    const bytes = Buffer.from(encoder.encode([late as ReadableSpan]));
    expect(bytes.equals(reference([late as ReadableSpan]))).toBe(true);
    // 4294967295.999999999 s in ns = 0x3B9AC9FF_FFFFFFFF... checked against BigInt arithmetic.
    const nanos = 4_294_967_295n * 1_000_000_000n + 999_999_999n;
    const expected = Buffer.alloc(8);
    expected.writeBigUInt64LE(nanos);
    expect(bytes.includes(Buffer.concat([Buffer.from([0x39]), expected]))).toBe(true);
  });
});
