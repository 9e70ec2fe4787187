import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EncodedSpanQueue } from '../src/encoded-span-queue.ts';
import { TraceRequestEncoder } from '../src/export/protobuf/trace-request.ts';
import { span } from './support/generated-spans.ts';

// Spans encoded as they end and sent later in batches must make exactly the request the reference
// serializer makes for the same spans: every batch is compared byte for byte, and every span pushed is
// in exactly one batch, in order within its tracer (resource and scope).

function scopeKey(s: ReadableSpan): string {
  return `${JSON.stringify(s.resource.attributes)}|${s.instrumentationScope.name}|${s.instrumentationScope.version}|${s.instrumentationScope.schemaUrl}`;
}

describe('EncodedSpanQueue', () => {
  test('batches taken in any sizes are the reference request of their spans; nothing lost or repeated', () => {
    const encoder = new TraceRequestEncoder();
    fc.assert(
      fc.property(
        fc.array(span, { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }),
        (spans, sizes) => {
          const queue = new EncodedSpanQueue();
          // FIFO of pushed spans per tracer: what each batch group must hold, in order.
          const pending = new Map<string, ReadableSpan[]>();
          for (const s of spans) {
            queue.push(s);
            const key = scopeKey(s);
            pending.set(key, [...(pending.get(key) ?? []), s]);
          }
          expect(queue.length).toBe(spans.length);
          let taken = 0;
          for (let i = 0; queue.length > 0; i++) {
            const max = sizes[i % sizes.length]!;
            const batch = queue.take(max);
            expect(batch.count).toBe(Math.min(max, spans.length - taken));
            const batchSpans: ReadableSpan[] = [];
            for (const group of batch.groups) {
              const fifo = pending.get(
                scopeKey({ resource: group.resource, instrumentationScope: group.scope } as ReadableSpan),
              )!;
              batchSpans.push(...fifo.splice(0, group.count));
            }
            expect(batchSpans).toHaveLength(batch.count);
            const expected = Buffer.from(ProtobufTraceSerializer.serializeRequest(batchSpans)!);
            expect(Buffer.from(encoder.encodeEncoded(batch.groups)).equals(expected)).toBe(true);
            taken += batch.count;
          }
          expect(taken).toBe(spans.length);
          expect([...pending.values()].every((fifo) => fifo.length === 0)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a span that cannot be encoded is not queued and leaves the queue intact', () => {
    const queue = new EncodedSpanQueue();
    const [good, other] = fc.sample(span, { numRuns: 2, seed: 3 });
    queue.push(good!);
    const broken = {
      ...other!,
      resource: good!.resource,
      instrumentationScope: good!.instrumentationScope,
      spanContext: () => {
        throw new Error('boom');
      },
    } as ReadableSpan;
    expect(() => queue.push(broken)).toThrow('boom');
    expect(queue.length).toBe(1);
    const batch = queue.take(10);
    expect(
      Buffer.from(new TraceRequestEncoder().encodeEncoded(batch.groups)).equals(
        Buffer.from(ProtobufTraceSerializer.serializeRequest([good!])!),
      ),
    ).toBe(true);
  });

  test('groups take turns: a busy tracer does not hold back another one', () => {
    const queue = new EncodedSpanQueue();
    const [a, b] = fc.sample(span, { numRuns: 2, seed: 11 });
    const busy = { ...a!, instrumentationScope: { name: 'busy' } } as ReadableSpan;
    const quiet = { ...b!, instrumentationScope: { name: 'quiet' } } as ReadableSpan;
    for (let i = 0; i < 10; i++) queue.push(busy);
    queue.push(quiet);
    const first = queue.take(5);
    const second = queue.take(5);
    const scopes = [...first.groups, ...second.groups].map((g) => g.scope.name);
    expect(scopes).toContain('quiet');
  });
});
