import { Writable } from 'node:stream';
import { runWithRequestContext } from '@dynotel/core';
import { createLogger } from '@dynotel/logging';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { type MicroCase, OPS_PER_CALL, runMicroCases } from '../lib/micro.ts';
import type { Suite } from '../lib/types.ts';

/**
 * One log line with a message and two fields, handed to the same discarding stream by every logger, so
 * the figure is the cost of building the line (how each batches its writes to a file descriptor is a
 * different question: dynotel batches per event-loop turn, pino.destination({sync}) writes per line). dynotel writes Dynamo's JSONL layout inside an active span and request context, so
 * its lines also carry trace_id, span_id, request_id and x_request_id (read from the context per line).
 */
function cases(): MicroCase[] {
  const plain = pino({ base: null }, discard());
  const dynotel = createLogger({ format: 'jsonl', destination: discard(), target: 'bench' });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const span = new TracerProvider().getTracer('bench').startSpan('request');
  const activeContext = trace.setSpan(context.active(), span);
  const requestContext = { requestId: '7b0f9e5e-3d4c-4bb3-8f5a-1c2d3e4f5a6b', xRequestId: 'client-req-1' };
  const inRequest = (fn: () => void) => () =>
    context.with(activeContext, () => runWithRequestContext(requestContext, fn));
  const fields = { model: 'llama-3-8b', tokens: 42 };
  return [
    {
      case: 'info line, 2 fields',
      impl: 'pino',
      fn: () => {
        for (let i = 0; i < OPS_PER_CALL; i++) plain.info(fields, 'request completed');
      },
    },
    {
      case: 'info line, 2 fields',
      impl: 'pino + correlation mixin',
      fn: inRequest(() => {
        for (let i = 0; i < OPS_PER_CALL; i++) mixinLogger.info(fields, 'request completed');
      }),
    },
    {
      case: 'info line, 2 fields',
      impl: 'dynotel (JSONL + correlation)',
      fn: inRequest(() => {
        for (let i = 0; i < OPS_PER_CALL; i++) dynotel.info(fields, 'request completed');
      }),
    },
    {
      case: 'filtered-out debug line',
      impl: 'pino',
      fn: () => {
        for (let i = 0; i < OPS_PER_CALL; i++) plain.debug(fields, 'not written');
      },
    },
    {
      case: 'filtered-out debug line',
      impl: 'dynotel (JSONL + correlation)',
      fn: inRequest(() => {
        for (let i = 0; i < OPS_PER_CALL; i++) dynotel.debug(fields, 'not written');
      }),
    },
  ];
}

// What a pino user writes by hand for the same correlation fields: a mixin reading the active span.
const mixinLogger = pino(
  {
    base: null,
    mixin() {
      const spanContext = trace.getActiveSpan()?.spanContext();
      return spanContext === undefined ? {} : { trace_id: spanContext.traceId, span_id: spanContext.spanId };
    },
  },
  discard(),
);

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

export const loggingSuite: Suite = {
  name: 'logging',
  title: 'Logging: cost of one line',
  description:
    'ns per line (lower is better), every logger writing to the same discarding stream. Target: a dynotel JSONL line with correlation fields ≤ 1.3× a plain pino line.',
  async run(context) {
    return runMicroCases(this.name, cases(), context);
  },
};
