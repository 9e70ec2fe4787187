/**
 * Hostile log messages and fields, property-based, through the logger init() returns, in JSONL and in
 * readable mode, inside a real request (the Express middleware: request context and active server
 * span). Messages and fields hold any Unicode, control characters, huge strings, cyclic objects,
 * throwing getters and toJSON, BigInt, Symbols, Errors with causes, Proxies, and keys that collide with
 * the correlation keys and the logger's own keys. Every time: the call never throws, each call is
 * exactly one line (one JSON object in JSONL), every top-level key appears once, the correlation keys
 * are the request's real ones, and the fields that must be dropped are counted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { getRequestContext, runWithRequestContext } from '@dynotel/core';
import { trace } from '@opentelemetry/api';
import { init, type Telemetry } from 'dynotel';
import { dynotel as expressMiddleware } from 'dynotel/express';
import { resetTelemetryForTests } from 'dynotel/testing';
import express from 'express';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { expositionText, loneSurrogate } from './support/hostile.ts';
import { rawRequest } from './support/raw-http.ts';
import { recordFigures } from './support/report.ts';
import { selfSeries } from './support/self-metrics.ts';
import { sized } from './support/settings.ts';

const RUNS = sized(200, 2000);
const MAX_FIELD = 32_768;
const CORRELATION = ['trace_id', 'span_id', 'x_request_id'] as const;
const OWN_KEYS = ['time', 'level', 'target', 'message'] as const;
/** Keys the logger writes itself: a field of that name must never replace them. */
const RESERVED = [
  'time',
  'level',
  'file',
  'line',
  'target',
  'message',
  'trace_id',
  'span_id',
  'x_request_id',
  'request_id',
];

/** Keeps raw text, split into lines, so a torn or doubled line is seen as it is. */
class RawCapture extends Writable {
  #partial = '';
  lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const parts = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = parts.pop() ?? '';
    this.lines.push(...parts);
    callback();
  }
  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
  get partial(): string {
    return this.#partial;
  }
}

/** End index (exclusive) of the JSON value starting at `pos` (strings, numbers, literals, nesting). */
function jsonValueEnd(text: string, pos: number): number {
  let depth = 0;
  let i = pos;
  do {
    const ch = text[i];
    if (ch === '"') {
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (ch === '{' || ch === '[') {
      depth++;
      i++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      i++;
    } else if (ch === ',' || ch === ':' || ch === ' ') {
      i++;
    } else {
      while (i < text.length && !/[,:}\] ]/.test(text[i] as string)) i++;
    }
    if (i > text.length) throw new Error(`unterminated JSON value at ${pos}`);
  } while (depth > 0);
  return i;
}

/** The top-level keys of a JSON object line, in order, duplicates kept (JSON.parse would hide them). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let i = 1;
  while (i < line.length - 1) {
    const keyEnd = jsonValueEnd(line, i);
    keys.push(JSON.parse(line.slice(i, keyEnd)) as string);
    i = jsonValueEnd(line, keyEnd + 1); // after ':'
    if (line[i] === ',') i++;
  }
  return keys;
}

/** The ` key=value` fields of a readable line after the message: keys are bare words or JSON strings. */
function readableFields(section: string): Array<[string, unknown]> {
  const fields: Array<[string, unknown]> = [];
  let i = 0;
  while (i < section.length) {
    expect(section[i], `expected a space before a field at ${i}: ${section.slice(i, i + 80)}`).toBe(' ');
    i++;
    let key: string;
    if (section[i] === '"') {
      const end = jsonValueEnd(section, i);
      key = JSON.parse(section.slice(i, end)) as string;
      i = end;
    } else {
      const eq = section.indexOf('=', i);
      key = section.slice(i, eq);
      // A bare key is one word: a space or quote in it would let a field forge another one.
      expect(key, `ambiguous readable key ${JSON.stringify(key)}`).toMatch(/^[^\s="\\]+$/);
      i = eq;
    }
    expect(section[i]).toBe('=');
    const end = jsonValueEnd(section, i + 1);
    fields.push([key, JSON.parse(section.slice(i + 1, end))]);
    i = end;
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------------
// Hostile values. Some cannot be generated as data (cycles, getters, Proxies): they are built per call
// from a recipe, so each call gets fresh objects.

type Recipe =
  | { kind: 'data'; value: unknown }
  | { kind: 'bigint'; value: bigint }
  | {
      kind:
        | 'symbol'
        | 'function'
        | 'undefined'
        | 'cyclic'
        | 'throwing-getter'
        | 'throwing-tojson'
        | 'proxy'
        | 'date'
        | 'map';
    }
  | { kind: 'error'; message: string; causes: number; cyclicCause: boolean }
  | { kind: 'huge'; piece: string; times: number };

function build(recipe: Recipe): unknown {
  switch (recipe.kind) {
    case 'data':
    case 'bigint':
      return recipe.value;
    case 'symbol':
      return Symbol('hostile');
    case 'function':
      return () => 'never called';
    case 'undefined':
      return undefined;
    case 'cyclic': {
      const a: Record<string, unknown> = { name: 'a' };
      a.self = a;
      a.list = [a, { back: a }];
      return a;
    }
    case 'throwing-getter':
      return {
        ok: 1,
        get bad() {
          throw new Error('getter trap');
        },
      };
    case 'throwing-tojson':
      return {
        toJSON() {
          throw new Error('toJSON trap');
        },
      };
    case 'proxy':
      return new Proxy(
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
    case 'date':
      return new Date(Number.NaN);
    case 'map':
      return new Map([['k', 'v']]);
    case 'error': {
      let error = new Error(recipe.message);
      for (let i = 0; i < recipe.causes; i++) error = new Error(`wrapper ${i}`, { cause: error });
      if (recipe.cyclicCause) (error as { cause?: unknown }).cause = error;
      return error;
    }
    case 'huge':
      return recipe.piece.repeat(recipe.times);
  }
}

const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 6, arbitrary: expositionText().map((value): Recipe => ({ kind: 'data', value })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(expositionText(), { maxLength: 4 }),
        fc.dictionary(expositionText(), expositionText(), { maxKeys: 4 }),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, Number.MAX_VALUE),
      )
      .map((value): Recipe => ({ kind: 'data', value })),
  },
  { weight: 1, arbitrary: fc.bigInt().map((value): Recipe => ({ kind: 'bigint', value })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(
        'symbol',
        'function',
        'undefined',
        'cyclic',
        'throwing-getter',
        'throwing-tojson',
        'proxy',
        'date',
        'map',
      )
      .map((kind) => ({ kind }) as Recipe),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ message: expositionText(), causes: fc.nat(4), cyclicCause: fc.boolean() })
      .map((e): Recipe => ({ kind: 'error', ...e })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        piece: fc.string({
          unit: fc.oneof(fc.constantFrom('a', '\n', '"', '\u2028', '\u0000'), loneSurrogate),
          minLength: 1,
          maxLength: 4,
        }),
        times: fc.integer({ min: 5_000, max: 60_000 }),
      })
      .map((h): Recipe => ({ kind: 'huge', ...h })),
  },
);

const fieldKey = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...RESERVED,
      'request_id',
      'err',
      'msg',
      'a trace_id',
      'x=1 trace_id',
      '"',
      '',
      '__proto__',
      'constructor',
      'toString',
    ),
  },
  { weight: 4, arbitrary: expositionText() },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/) },
);

/** How the fields object itself is passed. */
const topLevel = fc.constantFrom(
  'plain',
  'plain',
  'plain',
  'null-prototype',
  'getter-trap',
  'proxy',
  'error',
  'array',
);

interface LogCase {
  shape: 'fields+msg' | 'msg' | 'fields-only' | 'child' | 'context-fields' | 'format-args' | 'non-string-msg';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  messageRecipe: Recipe;
  fields: Array<[string, Recipe]>;
  top: string;
}

const logCase: fc.Arbitrary<LogCase> = fc.record({
  shape: fc.constantFrom(
    'fields+msg',
    'fields+msg',
    'msg',
    'fields-only',
    'child',
    'context-fields',
    'format-args',
    'non-string-msg',
  ),
  level: fc.constantFrom('debug', 'info', 'warn', 'error'),
  message: fc.oneof(expositionText(), fc.string({ unit: 'binary', minLength: 40_000, maxLength: 40_100 })),
  messageRecipe: recipe,
  fields: fc.array(fc.tuple(fieldKey, recipe), { maxLength: 8 }),
  top: topLevel,
});

function fieldsObject(c: LogCase): Record<string, unknown> {
  const obj: Record<string, unknown> = c.top === 'null-prototype' ? Object.create(null) : {};
  // defineProperty: a `__proto__` key is an own field, as JSON.parse would make it.
  for (const [key, r] of c.fields)
    Object.defineProperty(obj, key, {
      value: build(r),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  if (c.top === 'getter-trap') {
    Object.defineProperty(obj, 'trap', {
      enumerable: true,
      get() {
        throw new Error('top-level getter trap');
      },
    });
  }
  if (c.top === 'proxy') {
    return new Proxy(obj, {
      ownKeys() {
        throw new Error('top-level ownKeys trap');
      },
      get(target, key) {
        if (key === 'message') throw new Error('top-level get trap');
        return Reflect.get(target, key);
      },
    });
  }
  if (c.top === 'error') return Object.assign(new Error('top-level error', { cause: obj }), obj);
  if (c.top === 'array') return [obj, 1, 'x'] as unknown as Record<string, unknown>;
  return obj;
}

/** Calls the logger the way the case says; returns how many lines it must write. */
function logOnce(telemetry: Telemetry, c: LogCase): void {
  const logger = telemetry.logger;
  const fields = fieldsObject(c);
  switch (c.shape) {
    case 'fields+msg':
      logger[c.level](fields, c.message);
      return;
    case 'msg':
      logger[c.level](c.message);
      return;
    case 'fields-only':
      logger[c.level](fields);
      return;
    case 'child':
      logger
        .child(fields)
        .child({
          target: 'hostile.child',
          ...Object.fromEntries(c.fields.slice(0, 2).map(([k, r]) => [k, build(r)])),
        })
        [c.level](c.message);
      return;
    case 'context-fields': {
      const context = getRequestContext();
      if (context === undefined) throw new Error('no request context in the handler');
      runWithRequestContext({ ...context, fields }, () => logger[c.level]({ extra: 1 }, c.message));
      return;
    }
    case 'format-args':
      (logger[c.level] as (...args: unknown[]) => void)(
        fields,
        `${c.message} %s %d %j %o`,
        build(c.messageRecipe),
        build(c.messageRecipe),
        build(c.messageRecipe),
      );
      return;
    case 'non-string-msg':
      (logger[c.level] as (...args: unknown[]) => void)(fields, build(c.messageRecipe));
      return;
  }
}

/** `trunc` as the logger documents it: at most 32 768 UTF-16 units, then a marker. */
function truncated(text: string): string {
  return text.length <= MAX_FIELD
    ? text
    : `${text.slice(0, MAX_FIELD)}…[truncated ${text.length - MAX_FIELD} chars]`;
}

let telemetry: Telemetry | undefined;
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  await telemetry?.shutdown('test finished');
  resetTelemetryForTests();
  telemetry = undefined;
  server = undefined;
});

describe.each(['jsonl', 'readable'] as const)('hostile log messages and fields in %s mode', (mode) => {
  it(`${RUNS} requests, each logging hostile messages and fields inside the request context and span`, async () => {
    const capture = new RawCapture();
    telemetry = init({
      env: {
        DYN_LOGGING_JSONL: mode === 'jsonl' ? '1' : '0',
        DYN_SDK_DISABLE_ANSI_LOGGING: '1',
        DYN_LOG: 'debug',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        OTEL_SERVICE_NAME: 'hostile-logs',
      },
      handleSignals: false,
      logDestination: capture,
    });
    const t = telemetry;
    const cases: LogCase[] = [];
    const app = express();
    app.use(expressMiddleware(t));
    app.get('/log/:index', (req, res) => {
      const c = cases[Number(req.params.index)] as LogCase;
      const span = trace.getActiveSpan();
      const context = getRequestContext();
      let threw: unknown;
      try {
        logOnce(t, c);
      } catch (error) {
        threw = error;
      }
      res.json({
        threw: threw === undefined ? null : String(threw),
        traceId: span?.spanContext().traceId ?? null,
        spanId: span?.spanContext().spanId ?? null,
        requestId: context?.xRequestId ?? context?.requestId ?? null,
      });
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    capture.take();
    const stats = {
      calls: 0,
      lines: 0,
      fallbackLines: 0,
      countedDrops: 0,
      reservedDropped: 0,
      truncatedMessages: 0,
      spoofAttempts: 0,
      bytes: 0,
    };

    await fc.assert(
      fc.asyncProperty(logCase, fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/), async (c, requestId) => {
        cases.push(c);
        const droppedBeforeCall = unserializable();
        const reservedBeforeCall = reservedDrops();
        const response = await rawRequest(`${base}/log/${cases.length - 1}`, {
          headers: { 'x-request-id': requestId },
        });
        expect(response.status).toBe(200);
        const answer = JSON.parse(response.body) as {
          threw: string | null;
          traceId: string;
          spanId: string;
          requestId: string;
        };
        // The logger never throws into the caller.
        expect(answer.threw).toBeNull();
        expect(answer.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(answer.requestId).toBe(requestId);
        stats.calls++;
        if (c.fields.some(([key]) => RESERVED.includes(key))) stats.spoofAttempts++;

        const lines = capture.take();
        stats.lines += lines.length;
        // The handler's line and the access line: every call is exactly one line, whatever it holds.
        expect(lines, lines.map((l) => l.slice(0, 200)).join('\n')).toHaveLength(2);
        for (const line of lines) {
          stats.bytes += line.length;
          // Nothing that a line-oriented reader would take for a line break, no raw control character.
          expect(line).not.toMatch(/[\r\u2028\u2029\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
          if (mode === 'jsonl') {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
            const keys = topLevelKeys(line);
            expect(new Set(keys).size, `duplicate keys in ${keys.join(',')}`).toBe(keys.length);
            for (const key of OWN_KEYS) expect(keys).toContain(key);
            expect(parsed.trace_id).toBe(answer.traceId);
            expect(parsed.span_id).toBe(answer.spanId);
            expect(parsed.x_request_id).toBe(requestId);
            expect(['DEBUG', 'INFO', 'WARN', 'ERROR']).toContain(parsed.level);
          } else {
            // The target (a child's `target` binding may be any text) is escaped, not quoted: no `\S+` here.
            const head = /^\S+ +(TRACE|DEBUG|INFO|WARN|ERROR) /.exec(line);
            expect(head, line.slice(0, 200)).not.toBeNull();
          }
        }
        const targetOf = (line: string) =>
          mode === 'jsonl'
            ? (JSON.parse(line) as { target: string }).target
            : /^\S+ +INFO http: http response sent /.test(line)
              ? 'http'
              : 'handler';
        const handlerLines = lines.filter((line) => targetOf(line) !== 'http');
        expect(handlerLines, lines.map((l) => l.slice(0, 300)).join('\n')).toHaveLength(1);
        const handlerLine = handlerLines[0] as string;
        // A call whose fields could not be read keeps its line, with log_error, and is counted once
        // (a child() whose bindings could not be read is counted too, with no log_error on the line).
        const hasLogError =
          mode === 'jsonl'
            ? 'log_error' in (JSON.parse(handlerLine) as object)
            : handlerLine.includes(' log_error="');
        const counted = unserializable() - droppedBeforeCall;
        if (c.shape === 'child')
          expect(counted - (hasLogError ? 1 : 0)).toBeOneOf([0, 1, 2]); // two child() calls
        else expect(counted).toBe(hasLogError ? 1 : 0);
        if (hasLogError) stats.fallbackLines++;
        stats.countedDrops += counted;
        // Fields named like the keys the logger writes are dropped, and counted per field.
        const reserved = reservedDrops() - reservedBeforeCall;
        const plainTop = c.top === 'plain' || c.top === 'null-prototype';
        if (!hasLogError && plainTop && ['fields+msg', 'fields-only', 'context-fields'].includes(c.shape)) {
          const keys = new Set(c.fields.map(([key]) => key));
          expect(reserved).toBe([...keys].filter((key) => NEVER_FIELD_KEYS.includes(key)).length);
        }
        if (c.shape === 'msg') expect(reserved).toBe(0);
        stats.reservedDropped += reserved;
        if (mode === 'jsonl') {
          const parsed = JSON.parse(handlerLine) as Record<string, unknown>;
          if (!('log_error' in parsed)) {
            expect(parsed.level).toBe(c.level.toUpperCase());
            if (
              c.shape === 'fields+msg' ||
              c.shape === 'msg' ||
              c.shape === 'child' ||
              c.shape === 'context-fields'
            ) {
              expect(parsed.message).toBe(truncated(c.message));
              if (c.message.length > MAX_FIELD) stats.truncatedMessages++;
            }
            // Plain string fields come out as they went in (cut at the field limit).
            if (c.shape === 'fields+msg' && (c.top === 'plain' || c.top === 'null-prototype')) {
              const last = new Map(c.fields);
              for (const [key, r] of last) {
                if (RESERVED.includes(key) || r.kind !== 'data' || typeof r.value !== 'string') continue;
                expect(Object.hasOwn(parsed, key) ? parsed[key] : undefined).toBe(truncated(r.value));
              }
            }
          }
        } else {
          // Fields after the message: the correlation keys are the real ones, each once.
          for (const line of lines) {
            for (const key of CORRELATION) {
              const expected =
                key === 'trace_id' ? answer.traceId : key === 'span_id' ? answer.spanId : requestId;
              expect(line).toContain(` ${key}="${expected}"`);
            }
          }
          if (
            c.shape === 'fields+msg' &&
            (c.top === 'plain' || c.top === 'null-prototype') &&
            isPlainMessage(c.message)
          ) {
            const start = handlerLine.indexOf(`: ${c.message}`);
            expect(start).toBeGreaterThan(0);
            const fields = readableFields(handlerLine.slice(start + 2 + c.message.length));
            const keys = fields.map(([key]) => key);
            expect(new Set(keys).size).toBe(keys.length);
            for (const key of CORRELATION) expect(keys.filter((k) => k === key)).toHaveLength(1);
            const byKey = Object.fromEntries(fields);
            expect(byKey.trace_id).toBe(answer.traceId);
            expect(byKey.span_id).toBe(answer.spanId);
            expect(byKey.x_request_id).toBe(requestId);
          }
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // Still serving and logging normally.
    const after = await rawRequest(`${base}/log/0`, { headers: { 'x-request-id': 'after-the-run' } });
    expect(after.status).toBe(200);
    expect(capture.partial).toBe('');
    recordFigures(`hostile-logs-${mode}`, stats);
  });
});

const reservedDrops = () =>
  selfSeries('dynotel_log_fields_dropped_total')[JSON.stringify({ reason: 'reserved_key' })] ?? 0;
/** Reserved keys no caller can mean (`message` and `target` have documented uses): counted when dropped. */
const NEVER_FIELD_KEYS = [
  'time',
  'level',
  'file',
  'line',
  'trace_id',
  'span_id',
  'x_request_id',
  'request_id',
];

const unserializable = () =>
  selfSeries('dynotel_log_fields_dropped_total')[JSON.stringify({ reason: 'unserializable' })] ?? 0;

/** A message the readable layout writes unchanged (so the test can find where the fields start). */
function isPlainMessage(message: string): boolean {
  return (
    message.length <= MAX_FIELD && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/.test(message)
  );
}
