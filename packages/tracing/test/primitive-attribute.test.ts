import { INVALID_SPAN_CONTEXT, type Span, trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanLimits } from '@opentelemetry/sdk-trace';
import { describe, expect, test } from 'vitest';
import { sdkSpanAttributeState, setPrimitiveAttribute } from '../src/primitive-attribute.ts';
import { limitedProvider } from './support/limited-provider.ts';

/**
 * setPrimitiveAttribute stands in for `span.setAttribute` on every HTTP server span, so the span it
 * leaves must be the span `setAttribute` leaves, whatever the limits, keys and values, including what
 * later `setAttribute` calls then keep or drop (the attribute count it maintains).
 */
const KEYS = ['method', 'uri', 'http.route', 'x_request_id', 'request_id', 'a', 'b', ''];
const LIMITS: SpanLimits[] = [
  {},
  { attributeCountLimit: 0 },
  { attributeCountLimit: 1 },
  { attributeCountLimit: 3 },
  { attributeValueLengthLimit: 0 },
  { attributeValueLengthLimit: 4 },
  { attributeCountLimit: 2, attributeValueLengthLimit: 6 },
  { attributeValueLengthLimit: -1 },
];

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function randomValue(next: () => number): string | number | boolean {
  const kind = next();
  if (kind < 0.6) return 'x'.repeat(Math.floor(next() * 9));
  if (kind < 0.85) return Math.floor(next() * 1000) - 100;
  return next() < 0.5;
}

function summary(span: ReadableSpan): unknown {
  return { attributes: span.attributes, dropped: span.droppedAttributesCount };
}

describe('setPrimitiveAttribute', () => {
  test('leaves the span setAttribute leaves, over random limits, keys and values', () => {
    const next = random(11);
    for (let run = 0; run < 400; run++) {
      const limits = LIMITS[run % LIMITS.length]!;
      const { start, ended } = limitedProvider(limits);
      const expected = start();
      const actual = start();
      const steps = Math.floor(next() * 12);
      const endAt = steps > 0 && next() < 0.2 ? Math.floor(next() * steps) : -1;
      for (let step = 0; step < steps; step++) {
        if (step === endAt) {
          expected.end();
          actual.end();
        }
        const key = KEYS[Math.floor(next() * KEYS.length)]!;
        const value = randomValue(next);
        expected.setAttribute(key, value);
        setPrimitiveAttribute(actual, key, value);
      }
      // Later calls through the SDK see the same count: the same keys are kept or dropped.
      for (const key of ['after-1', 'after-2', 'method']) {
        expected.setAttribute(key, 'later');
        actual.setAttribute(key, 'later');
      }
      if (endAt === -1) {
        expected.end();
        actual.end();
      }
      expect(ended).toHaveLength(2);
      expect(summary(ended[1]!), JSON.stringify({ run, limits })).toEqual(summary(ended[0]!));
    }
  });

  test('recognises the pinned SDK span, so the HTTP server span takes the direct path', () => {
    const span = limitedProvider({}).start();
    const state = sdkSpanAttributeState(span);
    expect(state).toBeDefined();
    setPrimitiveAttribute(span, 'route', '/items/:id');
    expect(state?.attributes).toEqual({ route: '/items/:id' });
    expect(state?._attributesCount).toBe(1);
  });

  test('hands any other span to its own setAttribute', () => {
    const nonRecording = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    expect(sdkSpanAttributeState(nonRecording)).toBeUndefined();
    expect(() => setPrimitiveAttribute(nonRecording, 'k', 'v')).not.toThrow();
    const calls: unknown[] = [];
    const foreign = { setAttribute: (key: string, value: unknown) => calls.push([key, value]) };
    setPrimitiveAttribute(foreign as unknown as Span, 'k', 1);
    expect(calls).toEqual([['k', 1]]);
  });
});
