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
