import { runWithRequestContext } from '@dynotel/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';
import { capture, keysOf } from './support/capture.ts';
import { inSpan, registerTracing } from './support/tracing.ts';

/**
 * The JSONL writer caches, per logger, how a call's field keys interleave with its bindings and
 * correlation keys. These lines vary everything that cache depends on (the call's key sequence, more
 * shapes than it keeps, bindings overridden with and without a value, reserved keys, the span and the
 * request context coming and going), and each line is checked against a plain oracle: the merged
 * fields, later sources winning, sorted by key.
 */

const HEADER = ['time', 'level', 'target', 'message'];
const RESERVED = new Set([...HEADER, 'file', 'line', 'trace_id', 'span_id', 'request_id', 'x_request_id']);
const KEY_POOL = ['model', 'tokens', 'component', 'zeta', 'alpha', 'span_id', 'route', 'status', 'a_b'];
const BINDINGS = { component: 'router', namespace: 'dynamo' };
// The writer keeps the last message's JSON and a per-level head: vary both, escaping included.
const MESSAGES = ['plain', 'in request', 'say "hi"\n\u2028', '', 'in request'];
const LEVELS = [
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['fatal', 'ERROR'],
] as const;

/** A small deterministic generator, so a failure replays. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

type Fields = Record<string, unknown>;

function randomFields(random: () => number): Fields {
  const fields: Fields = {};
  const count = Math.floor(random() * 5);
  for (let i = 0; i < count; i++) {
    const key = KEY_POOL[Math.floor(random() * KEY_POOL.length)] as string;
    const roll = random();
    // A value without JSON form (undefined, a function) leaves the field out, and a binding it names
    // keeps its own value.
    fields[key] =
      roll < 0.15 ? undefined : roll < 0.2 ? () => 1 : roll < 0.6 ? Math.floor(roll * 100) : `v${key}`;
  }
  return fields;
}

function defined(fields: Fields | undefined): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (RESERVED.has(key) || value === undefined || typeof value === 'function') continue;
    out[key] = value;
  }
  return out;
}

function expectedRecord(
  call: Fields,
  requestFields: Fields | undefined,
  ids: { traceId?: string; spanId?: string; spanName?: string; requestId?: string; xRequestId?: string },
): Fields {
  const merged: Fields = { ...BINDINGS, ...defined(requestFields), ...defined(call) };
  if (ids.requestId !== undefined) merged.request_id = ids.requestId;
  if (ids.xRequestId !== undefined) merged.x_request_id = ids.xRequestId;
  if (ids.traceId !== undefined) merged.trace_id = ids.traceId;
  if (ids.spanId !== undefined) merged.span_id = ids.spanId;
  if (ids.spanName !== undefined) merged.span_name = ids.spanName;
  return merged;
}

/** A JSONL logger with BINDINGS, writing to a capture. */
function boundLogger() {
  const out = capture();
  const logger = createLogger({
    format: 'jsonl',
    destination: out.stream,
    logUncaughtExceptions: false,
    base: BINDINGS,
  });
  return { out, logger };
}

beforeAll(() => registerTracing());

describe('JSONL field layout cache', () => {
  it('writes every line as the sorted merge of its sources, whatever shapes came before', () => {
    const { out, logger } = boundLogger();
    const random = prng(7);
    const expected: Fields[] = [];
    const headers: Fields[] = [];
    const shapes = new Set<string>();
    for (let n = 0; n < 400; n++) {
      // Repeat the previous shape half of the time, so cached layouts are both hit and replaced.
      const call = randomFields(random);
      shapes.add(Object.keys(call).join(','));
      const where = random();
      const requestFields = random() < 0.3 ? { route: 'from-request', tenant: 't1' } : undefined;
      const requestContext = { requestId: `req-${n}`, xRequestId: `x-${n}`, fields: requestFields };
      const message = MESSAGES[Math.floor(random() * MESSAGES.length)] as string;
      const [method, levelName] = LEVELS[Math.floor(random() * LEVELS.length)] as (typeof LEVELS)[number];
      const log = () => logger[method](call, message);
      headers.push({ level: levelName, target: 'main', message });
      if (where < 0.3) {
        log();
        expected.push(expectedRecord(call, undefined, {}));
      } else if (where < 0.6) {
        runWithRequestContext(requestContext, log);
        expected.push(expectedRecord(call, requestFields, requestContext));
      } else {
        const { span } = inSpan(() => runWithRequestContext(requestContext, log));
        const { traceId, spanId } = span.spanContext();
        expected.push(
          expectedRecord(call, requestFields, { ...requestContext, traceId, spanId, spanName: 'test-span' }),
        );
      }
    }
    expect(shapes.size).toBeGreaterThan(20);
    const lines = out.lines();
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, n) => {
      const want = expected[n] as Fields;
      const record = JSON.parse(line) as Fields;
      expect({ line: n, level: record.level, target: record.target, message: record.message }).toEqual({
        line: n,
        ...headers[n],
      });
      expect(record.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      for (const key of HEADER) delete record[key];
      expect({ line: n, record }).toEqual({ line: n, record: want });
      expect(keysOf(line).slice(HEADER.length), `line ${n}`).toEqual(Object.keys(want).sort());
    });
  });

  it('keeps a binding when a call names it without a value, and replaces it when the call has one', () => {
    const { out, logger } = boundLogger();
    for (let i = 0; i < 3; i++) {
      logger.info({ component: undefined, model: 'm' }, 'kept');
      logger.info({ component: 'worker', model: 'm' }, 'replaced');
    }
    const records = out.records();
    expect(records.map((record) => record.component)).toEqual([
      'router',
      'worker',
      'router',
      'worker',
      'router',
      'worker',
    ]);
    for (const line of out.lines())
      expect(keysOf(line).slice(HEADER.length)).toEqual(['component', 'model', 'namespace']);
  });
});
