import { runWithRequestContext } from '@dynotel/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../src/index.ts';
import { type Capture, capture, keysOf } from './support/capture.ts';
import { inSpan, registerTracing } from './support/tracing.ts';

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}:\d{2}$/;

function jsonLogger(options: LoggerOptions = {}): { out: Capture; logger: ReturnType<typeof createLogger> } {
  const out = capture();
  const logger = createLogger({
    format: 'jsonl',
    destination: out.stream,
    logUncaughtExceptions: false,
    ...options,
  });
  return { out, logger };
}

beforeAll(() => registerTracing());

describe('JSONL layout (Dynamo §4.3)', () => {
  it('writes time, level, target, message, then the other fields sorted', () => {
    const { out, logger } = jsonLogger({ base: { namespace: 'dynamo', component: 'backend' } });
    logger.info({ zeta: 1, alpha: 'a', mid: true }, 'hello %s', 'world');
    const [line] = out.lines();
    expect(keysOf(line as string)).toEqual([
      'time',
      'level',
      'target',
      'message',
      'alpha',
      'component',
      'mid',
      'namespace',
      'zeta',
    ]);
    const record = JSON.parse(line as string);
    expect(record).toMatchObject({
      level: 'INFO',
      target: 'main',
      message: 'hello world',
      zeta: 1,
      alpha: 'a',
      mid: true,
    });
    expect(record.time).toMatch(UTC_TIME);
  });

  it('stamps UTC microseconds close to the wall clock, and a local offset on request', () => {
    const { out, logger } = jsonLogger();
    const before = Date.now();
    logger.info('now');
    const after = Date.now();
    const time = out.records()[0]?.time as string;
    const ms = Date.parse(time);
    expect(ms).toBeGreaterThanOrEqual(before - 2);
    expect(ms).toBeLessThanOrEqual(after + 2);

    const local = jsonLogger({ localTimezone: true });
    local.logger.info('local');
    const localTime = local.out.records()[0]?.time as string;
    expect(localTime).toMatch(LOCAL_TIME);
    const offsetMinutes = -new Date().getTimezoneOffset();
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    expect(
      localTime.endsWith(
        `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`,
      ),
    ).toBe(true);
    expect(Math.abs(Date.parse(localTime) - Date.now())).toBeLessThan(5000);
  });

  it('uses upper-case Dynamo level names, fatal as ERROR', () => {
    const { out, logger } = jsonLogger({ level: 'trace' });
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(out.records().map((r) => r.level)).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'ERROR']);
  });

  it('adds file and line of the caller only when asked', () => {
    const { out, logger } = jsonLogger({ fileAndLine: true });
    const here = Number(new Error().stack?.split('\n')[1]?.match(/:(\d+):\d+\)?$/)?.[1]);
    logger.info('where'); // must stay on the line right after `here`
    const expectedLine = here + 1;
    const [line] = out.lines();
    expect(keysOf(line as string).slice(0, 6)).toEqual([
      'time',
      'level',
      'file',
      'line',
      'target',
      'message',
    ]);
    const record = JSON.parse(line as string);
    expect(record.file).toMatch(/jsonl-format\.test\.ts$/);
    expect(record.line).toBe(expectedLine);

    const plain = jsonLogger();
    plain.logger.info('no location');
    expect(plain.out.records()[0]).not.toHaveProperty('file');
  });

  it('writes an empty message when none is given and takes `message` from the object', () => {
    const { out, logger } = jsonLogger();
    logger.info({ a: 1 });
    logger.info({ message: 'from object', b: 2 });
    const [first, second] = out.records();
    expect(first?.message).toBe('');
    expect(second).toMatchObject({ message: 'from object', b: 2 });
  });

  it('serialises errors with type, message, stack and causes', () => {
    const { out, logger } = jsonLogger();
    const error = new TypeError('outer', { cause: new Error('inner') });
    logger.error(error);
    logger.error({ failure: error }, 'nested');
    const [direct, nested] = out.records();
    expect(direct?.message).toBe('outer');
    expect(direct?.err).toMatchObject({ type: 'TypeError', message: 'outer: inner' });
    expect((direct?.err as { stack?: string } | undefined)?.stack).toContain('caused by: Error: inner');
    expect(nested?.failure).toMatchObject({ type: 'TypeError', message: 'outer: inner' });
  });
});

describe('correlation fields', () => {
  it("equal the active span's ids and the request context's ids", () => {
    const { out, logger } = jsonLogger();
    const { span } = inSpan(() =>
      runWithRequestContext({ requestId: 'req-1', xRequestId: 'x-1', fields: { model: 'qwen' } }, () =>
        logger.info({ z: 1 }, 'inside'),
      ),
    );
    const [line] = out.lines();
    const record = JSON.parse(line as string);
    expect(record.trace_id).toBe(span.spanContext().traceId);
    expect(record.span_id).toBe(span.spanContext().spanId);
    expect(record.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(record.request_id).toBe('req-1');
    expect(record.x_request_id).toBe('x-1');
    expect(record.model).toBe('qwen');
    // Dynamo's lines inside a span carry its name.
    expect(record.span_name).toBe('test-span');
    expect(keysOf(line as string)).toEqual([
      'time',
      'level',
      'target',
      'message',
      'model',
      'request_id',
      'span_id',
      'span_name',
      'trace_id',
      'x_request_id',
      'z',
    ]);
  });

  it('are merged in sorted order with bindings on the fast path (no call fields)', () => {
    const { out, logger } = jsonLogger({ base: { a: 1, s: 2, u: 3, zz: 4 } });
    inSpan(() => runWithRequestContext({ requestId: 'r', xRequestId: 'x' }, () => logger.info('fast')));
    expect(keysOf(out.lines()[0] as string)).toEqual([
      'time',
      'level',
      'target',
      'message',
      'a',
      'request_id',
      's',
      'span_id',
      'span_name',
      'trace_id',
      'u',
      'x_request_id',
      'zz',
    ]);
  });

  it('follow the request context of each line when requests interleave', () => {
    const { out, logger } = jsonLogger();
    const first = { requestId: 'first', xRequestId: 'first-x' };
    const second = { requestId: 'second' };
    for (const context of [first, second, first, undefined, second]) {
      if (context === undefined) logger.info('none');
      else runWithRequestContext(context, () => logger.info('in request'));
    }
    expect(out.records().map((r) => [r.request_id, r.x_request_id])).toEqual([
      ['first', 'first-x'],
      ['second', undefined],
      ['first', 'first-x'],
      [undefined, undefined],
      ['second', undefined],
    ]);
  });

  it('follow the active span of each line when spans interleave (nothing stale is reused)', () => {
    const { out, logger } = jsonLogger({ base: { component: 'backend' } });
    const child = logger.child({ target: 'http' });
    const ids: string[] = [];
    inSpan((outer) => {
      ids.push(outer.spanContext().spanId);
      logger.info('outer');
      inSpan((inner) => {
        ids.push(inner.spanContext().spanId);
        child.info('inner');
        logger.info({ k: 1 }, 'inner with fields');
      });
      child.info('outer again');
    });
    logger.info('no span');
    expect(out.records().map((r) => r.span_id)).toEqual([ids[0], ids[1], ids[1], ids[0], undefined]);
  });

  it('are absent outside a span and a request', () => {
    const { out, logger } = jsonLogger();
    logger.info('outside');
    const record = out.records()[0] as Record<string, unknown>;
    for (const key of ['trace_id', 'span_id', 'request_id', 'x_request_id'])
      expect(record).not.toHaveProperty(key);
  });

  it('cannot be overwritten or duplicated by call fields, bindings or request fields', () => {
    const { out, logger } = jsonLogger({ base: { trace_id: 'base-spoof', level: 'spoof' } });
    const child = logger.child({ span_id: 'child-spoof', request_id: 'child-spoof' });
    const { span } = inSpan(() =>
      runWithRequestContext(
        { requestId: 'real', xRequestId: 'real-x', fields: { trace_id: 'ctx-spoof' } },
        () =>
          child.info(
            {
              trace_id: 'spoof',
              span_id: 'spoof',
              x_request_id: 'spoof',
              request_id: 'spoof',
              time: 1,
              target: 't',
            },
            'm',
          ),
      ),
    );
    inSpan(() => child.info({ trace_id: 'spoof' }, 'no request'));
    logger.info({ trace_id: 'spoof', span_id: 'spoof' }, 'no span');
    const lines = out.lines();
    for (const line of lines) {
      for (const key of [
        'trace_id',
        'span_id',
        'request_id',
        'x_request_id',
        'time',
        'level',
        'target',
        'message',
      ]) {
        expect(line.split(`"${key}":`).length - 1).toBeLessThanOrEqual(1);
      }
      expect(line).not.toContain('spoof');
    }
    const first = JSON.parse(lines[0] as string);
    expect(first).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      request_id: 'real',
      x_request_id: 'real-x',
      level: 'INFO',
      target: 'main',
    });
    expect(JSON.parse(lines[2] as string)).not.toHaveProperty('trace_id');
  });
});
