import type { HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TraceRequestEncoder } from '../src/export/protobuf/trace-request.ts';
import { span } from './support/generated-spans.ts';

// Our single-pass encoder must produce exactly the bytes of the reference serializer of
// @opentelemetry/otlp-transformer (which the OTLP test receiver decodes with the official protos):
// compared on generated spans covering every field, every AnyValue kind, non-ASCII and lone-surrogate
// strings, several resources and scopes, and batches large enough to need multi-byte lengths.

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

  test('attribute keys are the same bytes when repeated (encoded once) and beyond the bound of that cache', () => {
    const encoder = new TraceRequestEncoder();
    const [one] = fc.sample(span, { numRuns: 1, seed: 3 });
    const attributes: Record<string, string | number> = {};
    for (let k = 0; k < 1500; k++) attributes[k % 2 === 0 ? `key.${k}` : `clé.${k}`] = k;
    const many = { ...one!, spanContext: one!.spanContext, attributes } as ReadableSpan;
    for (let pass = 0; pass < 2; pass++) {
      expect(Buffer.from(encoder.encode([many, one!])).equals(reference([many, one!]))).toBe(true);
    }
  });

  test('string attributes around the one-byte length of a KeyValue (127/128 bytes), ASCII or not, and in place', () => {
    const encoder = new TraceRequestEncoder();
    const [one] = fc.sample(span, { numRuns: 1, seed: 5 });
    const attributes: Record<string, string> = {};
    // One-letter keys: a KeyValue with a string of n bytes is 3 (key) + 1 (value tag) + 3 + n bytes, so
    // n = 120 is 127 bytes, the longest with a one-byte length, and n = 121 is 128.
    let key = 0;
    const nextKey = (): string => String.fromCharCode(0x41 + key++);
    for (const n of [0, 1, 119, 120, 121, 122, 200]) {
      attributes[nextKey()] = 'x'.repeat(n);
      attributes[nextKey()] = `${'x'.repeat(Math.max(0, n - 1))}é`;
      attributes[nextKey()] = `é${'x'.repeat(Math.max(0, n - 1))}`;
    }
    attributes.é = 'x'.repeat(119);
    const spans = [{ ...one!, spanContext: one!.spanContext, attributes } as ReadableSpan, one!];
    expect(Buffer.from(encoder.encode(spans)).equals(reference(spans))).toBe(true);
    // In place: a view of the encoder's buffer with the same bytes, overwritten by its next request.
    const inPlace = encoder.encode(spans, true);
    expect(Buffer.from(inPlace).equals(reference(spans))).toBe(true);
    encoder.encode([one!], true);
    expect(Buffer.from(inPlace).equals(reference(spans))).toBe(false);
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
