import { runWithRequestContext, selfMetrics } from '@dynotel/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';
import { capture } from './support/capture.ts';
import { inSpan, registerTracing } from './support/tracing.ts';

// Regressions found by test/reliability/hostile-logs.test.ts: calls whose arguments throw when read.

registerTracing();

function droppedUnserializable(): number {
  const family = selfMetrics.collect().find((f) => f.name === 'dynotel_log_fields_dropped_total');
  return family?.samples.find((s) => s.labels.reason === 'unserializable')?.value ?? 0;
}

const trapProxy = () =>
  new Proxy(
    {},
    {
      ownKeys() {
        throw new Error('ownKeys trap');
      },
      get() {
        throw new Error('get trap');
      },
    },
  );

describe('log calls whose arguments throw when read', () => {
  it.each([
    ['a Proxy whose traps throw (pino reads obj.method first)', () => [trapProxy(), 'the message']],
    ['%d of a Symbol', () => [{ a: 1 }, 'the message %d', Symbol('s')]],
    [
      'a top-level getter that throws',
      () => [
        Object.defineProperty({}, 'bad', {
          enumerable: true,
          get() {
            throw new Error('getter trap');
          },
        }),
        'the message',
      ],
    ],
  ])(
    '%s: one line at the call level with the real correlation keys, counted, never a throw',
    (_name, args) => {
      for (const format of ['jsonl', 'readable'] as const) {
        const out = capture();
        const logger = createLogger({ destination: out.stream, logUncaughtExceptions: false, format });
        const before = droppedUnserializable();
        const { span } = inSpan(() =>
          runWithRequestContext({ requestId: 'r-1', xRequestId: 'x-1', fields: { ok: 1 } }, () => {
            expect(() => (logger.warn as (...a: unknown[]) => void)(...args())).not.toThrow();
          }),
        );
        expect(droppedUnserializable() - before).toBe(1);
        const lines = out.lines();
        expect(lines).toHaveLength(1);
        const { traceId, spanId } = span.spanContext();
        if (format === 'jsonl') {
          const record = JSON.parse(lines[0] as string) as Record<string, unknown>;
          expect(record).toMatchObject({
            level: 'WARN',
            trace_id: traceId,
            span_id: spanId,
            x_request_id: 'x-1',
            request_id: 'r-1',
          });
          expect(String(record.message)).toContain('the message');
          expect(typeof record.log_error).toBe('string');
        } else {
          expect(lines[0]).toMatch(/^\S+ {2}WARN main: the message/);
          expect(lines[0]).toContain(` trace_id="${traceId}"`);
          expect(lines[0]).toContain(' x_request_id="x-1"');
          expect(lines[0]).toContain(' log_error="');
        }
      }
    },
  );

  it('child() with a null-prototype object or unreadable bindings does not throw, and is counted', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, logUncaughtExceptions: false, format: 'jsonl' });
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { component: 'c' });
    const before = droppedUnserializable();
    expect(() => logger.child(nullProto).info('from a null-prototype binding')).not.toThrow();
    expect(() => logger.child(trapProxy()).info('from a trap binding')).not.toThrow();
    expect(() =>
      logger.child({ ['__proto__']: 'x', ok: 1 } as Record<string, unknown>).info('proto key'),
    ).not.toThrow();
    expect(droppedUnserializable() - before).toBe(1);
    const records = out.records();
    expect(records.map((r) => r.message)).toEqual([
      'from a null-prototype binding',
      'from a trap binding',
      'proto key',
    ]);
    expect(records[0]?.component).toBe('c');
    expect(records[2]?.ok).toBe(1);
  });
});

function droppedReserved(): number {
  const family = selfMetrics.collect().find((f) => f.name === 'dynotel_log_fields_dropped_total');
  return family?.samples.find((s) => s.labels.reason === 'reserved_key')?.value ?? 0;
}

describe('fields named like the keys the logger writes', () => {
  it.each(['jsonl', 'readable'] as const)(
    '%s: dropped (the real correlation keys stay) and counted per field; message and target are not counted',
    (format) => {
      const out = capture();
      const logger = createLogger({ destination: out.stream, logUncaughtExceptions: false, format });
      const before = droppedReserved();
      const { span } = inSpan(() =>
        runWithRequestContext({ requestId: 'r-1', xRequestId: 'x-1', fields: { span_id: 'forged' } }, () => {
          logger.info({ trace_id: 'forged', x_request_id: 'forged', level: 'forged', ok: 1 }, 'spoof');
          logger.info({ message: 'the message' });
          logger.child({ target: 'other', request_id: 'forged' }).info('child');
        }),
      );
      // 3 call fields + the context's span_id on each of the 3 lines + the binding's request_id.
      expect(droppedReserved() - before).toBe(3 + 3 + 1);
      const { traceId, spanId } = span.spanContext();
      if (format === 'jsonl') {
        const [first, second, third] = out.records();
        expect(first).toMatchObject({
          trace_id: traceId,
          span_id: spanId,
          x_request_id: 'x-1',
          level: 'INFO',
          ok: 1,
        });
        expect(second?.message).toBe('the message');
        expect(third).toMatchObject({ target: 'other', request_id: 'r-1' });
      } else {
        for (const line of out.lines()) {
          expect(line).toContain(` trace_id="${traceId}"`);
          expect(line).not.toContain('forged');
        }
      }
    },
  );
});
