import { runWithRequestContext } from '@dynotel/core';
import { frameWithRequestContext } from '@dynotel/core/internal';
import type { Context } from '@opentelemetry/api';
import { context, trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, logWithCorrelation } from '../src/index.ts';
import { capture } from './support/capture.ts';
import { inSpan, registerTracing } from './support/tracing.ts';

beforeAll(() => registerTracing());

function jsonLogger() {
  const out = capture();
  const logger = createLogger({ format: 'jsonl', destination: out.stream, logUncaughtExceptions: false });
  return { out, logger };
}

describe('logWithCorrelation (the access line written outside the request context, from the request frame)', () => {
  it('writes the given span and request ids, not those of the active context', () => {
    const { out, logger } = jsonLogger();
    const given = trace.getTracer('t').startSpan('request');
    inSpan(() =>
      runWithRequestContext({ requestId: 'active-req', xRequestId: 'active-x' }, () =>
        logWithCorrelation(
          logger,
          'warn',
          frameWithRequestContext(
            { requestId: 'given-req', xRequestId: 'given-x' },
            trace.setSpan(context.active(), given),
          ) as Context,
          { status: 404, trace_id: 'spoof' },
          'http response sent',
        ),
      ),
    );
    const [record] = out.records();
    expect(record).toMatchObject({
      level: 'WARN',
      message: 'http response sent',
      status: 404,
      trace_id: given.spanContext().traceId,
      span_id: given.spanContext().spanId,
      request_id: 'given-req',
      x_request_id: 'given-x',
    });
  });

  it('applies to exactly one line: a line logged while serialising its fields, and the next line, read the context', () => {
    const { out, logger } = jsonLogger();
    const given = trace.getTracer('t').startSpan('request');
    const { span: active } = inSpan((span) => {
      const field = {
        toJSON() {
          logger.info({ nested: true, zz: 'inner' }, 'logged from toJSON');
          return 'serialised';
        },
      };
      logWithCorrelation(
        logger,
        'info',
        trace.setSpan(context.active(), given),
        { aa: 1, field, zz: 'outer' },
        'given',
      );
      logger.info('after');
      return span;
    });
    const records = out.records();
    const byMessage = (message: string) => records.find((r) => r.message === message);
    expect(byMessage('given')).toMatchObject({
      span_id: given.spanContext().spanId,
      aa: 1,
      field: 'serialised',
      zz: 'outer',
    });
    expect(byMessage('given')).not.toHaveProperty('nested');
    expect(byMessage('logged from toJSON')).toMatchObject({
      span_id: active.spanContext().spanId,
      nested: true,
      zz: 'inner',
    });
    expect(byMessage('after')).toMatchObject({ span_id: active.spanContext().spanId });
  });

  it('a disabled level writes nothing and leaves nothing behind for the next line', () => {
    const { out, logger } = jsonLogger();
    const given = trace.getTracer('t').startSpan('request');
    logWithCorrelation(
      logger,
      'debug',
      frameWithRequestContext({ requestId: 'r' }, trace.setSpan(context.active(), given)) as Context,
      {},
      'filtered out',
    );
    logger.info('outside any request');
    const records = out.records();
    expect(records).toHaveLength(1);
    expect(records[0]).not.toHaveProperty('span_id');
    expect(records[0]).not.toHaveProperty('request_id');
  });
});
