import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';
import { capture } from './support/capture.ts';

// Fastify hands its `loggerInstance` serializers through `child({}, { serializers })`; dynotel writes
// lines itself (Dynamo's layout), so it must apply them: without, every request line carried the whole
// request and reply objects (5–11 KB).
describe('pino serializers of a child logger', () => {
  it("applies a child's serializers to the fields they name, in Dynamo's layout", () => {
    const out = capture();
    const logger = createLogger({ format: 'jsonl', destination: out.stream, logUncaughtExceptions: false });
    const child = logger.child(
      {},
      {
        serializers: {
          req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        },
      },
    );
    const bulky = { method: 'GET', url: '/v1/x', headers: { a: 'x'.repeat(4000) }, socket: { big: true } };
    child.info({ req: bulky, other: 1 }, 'incoming request');
    const [line] = out.lines();
    const record = JSON.parse(line ?? '{}') as Record<string, unknown>;
    expect(record.req).toEqual({ method: 'GET', url: '/v1/x' });
    expect(record.other).toBe(1);
    expect(Object.keys(record).slice(0, 4)).toEqual(['time', 'level', 'target', 'message']);
    expect(line?.length).toBeLessThan(300);
    // The caller's object is left as it was.
    expect(bulky.headers.a).toHaveLength(4000);
  });

  it('each child uses its own serializers, line after line, and a grandchild inherits and adds', () => {
    const out = capture();
    const logger = createLogger({ format: 'jsonl', destination: out.stream, logUncaughtExceptions: false });
    const upper = logger.child({}, { serializers: { req: (v: string) => v.toUpperCase() } });
    const lengths = logger.child({}, { serializers: { req: (v: string) => v.length } });
    const grandchild = upper.child({}, { serializers: { res: (v: string) => `res:${v}` } });
    for (let i = 0; i < 3; i++) {
      upper.info({ req: 'abc' }, 'upper');
      lengths.info({ req: 'abc' }, 'lengths');
      logger.info({ req: 'abc' }, 'root');
      grandchild.info({ req: 'abc', res: 'ok' }, 'grandchild');
    }
    const records = out.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(12);
    for (let i = 0; i < 12; i += 4) {
      expect(records[i]).toMatchObject({ message: 'upper', req: 'ABC' });
      expect(records[i + 1]).toMatchObject({ message: 'lengths', req: 3 });
      expect(records[i + 2]).toMatchObject({ message: 'root', req: 'abc' });
      expect(records[i + 3]).toMatchObject({ message: 'grandchild', req: 'ABC', res: 'res:ok' });
    }
  });

  it("keeps dynotel's own error rendering (type, message, stack) over pino's standard err serializer", () => {
    const out = capture();
    const logger = createLogger({ format: 'jsonl', destination: out.stream, logUncaughtExceptions: false });
    const child = logger.child({}, { serializers: { err: pino.stdSerializers.err } });
    child.error({ err: new Error('boom') }, 'failed');
    const record = JSON.parse(out.lines()[0] ?? '{}') as { err: Record<string, unknown> };
    expect(record.err).toMatchObject({ type: 'Error', message: 'boom' });
    expect(String(record.err.stack)).toContain('boom');
  });

  it('a throwing serializer costs the fields of that line, never the line', () => {
    const out = capture();
    const logger = createLogger({ format: 'jsonl', destination: out.stream, logUncaughtExceptions: false });
    const child = logger.child(
      {},
      {
        serializers: {
          req: () => {
            throw new Error('serializer failed');
          },
        },
      },
    );
    child.info({ req: {} }, 'still written');
    const record = JSON.parse(out.lines()[0] ?? '{}') as Record<string, unknown>;
    expect(record.message).toBe('still written');
    expect(String(record.log_error)).toContain('serializer failed');
  });
});
