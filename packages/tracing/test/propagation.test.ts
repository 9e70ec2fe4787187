import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  extractIncomingTraceContext,
  extractTraceContext,
  formatTraceparent,
  injectTraceHeaders,
  parseTraceparent,
} from '../src/index.ts';
import { isExtractedRemoteSpan } from '../src/internal.ts';

// W3C Trace Context `traceparent` rules (spec/20-http_request_header_format.md) and the cases of the
// w3c/trace-context test harness (test/test.py).

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('parseTraceparent', () => {
  test('a valid version-00 header gives a remote span context', () => {
    expect(parseTraceparent(VALID)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });

  test('optional whitespace (spaces and tabs) around the value is accepted', () => {
    expect(parseTraceparent(`\t ${VALID} \t`)?.traceId).toBe(TRACE_ID);
    expect(parseTraceparent(`   ${VALID}`)?.spanId).toBe(SPAN_ID);
  });

  test('unknown flag bits are zeroed: the sampled and (Level 2) random bits survive', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-ff`)?.traceFlags).toBe(TraceFlags.SAMPLED | 2);
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-fc`)?.traceFlags).toBe(TraceFlags.NONE);
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-02`)?.traceFlags).toBe(2);
  });

  test('a future version is parsed from its first 55 characters, and may carry more after a dash', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01`)?.traceId).toBe(TRACE_ID);
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-will-be-like`)?.spanId).toBe(
      SPAN_ID,
    );
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01.what-the-future-will-be-like`)).toBeUndefined();
  });

  test.each([
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with trailing data', `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ['version 00 with a trailing dot', `00-${TRACE_ID}-${SPAN_ID}-01.`],
    ['version with illegal characters', `.0-${TRACE_ID}-${SPAN_ID}-01`],
    ['version too long', `000-${TRACE_ID}-${SPAN_ID}-01`],
    ['version too short', `0-${TRACE_ID}-${SPAN_ID}-01`],
    ['upper-case version', `0A-${TRACE_ID}-${SPAN_ID}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['trace id with illegal characters', `00-${TRACE_ID.slice(0, 31)}.-${SPAN_ID}-01`],
    ['upper-case trace id', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['trace id too long', `00-${TRACE_ID}0-${SPAN_ID}-01`],
    ['trace id too short', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['parent id with illegal characters', `00-${TRACE_ID}-${SPAN_ID.slice(0, 15)}.-01`],
    ['upper-case parent id', `00-${TRACE_ID}-${SPAN_ID.toUpperCase()}-01`],
    ['parent id too long', `00-${TRACE_ID}-${SPAN_ID}0-01`],
    ['parent id too short', `00-${TRACE_ID}-${SPAN_ID.slice(1)}-01`],
    ['illegal flags', `00-${TRACE_ID}-${SPAN_ID}-.0`],
    ['flags too long', `00-${TRACE_ID}-${SPAN_ID}-010`],
    ['flags too short', `00-${TRACE_ID}-${SPAN_ID}-1`],
    ['wrong separators', `00_${TRACE_ID}_${SPAN_ID}_01`],
    ['empty', ''],
    ['two headers joined by a comma', `${VALID}, 00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`],
  ])('%s is invalid', (_case, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

/** The `headers` Node parses from a real request sent with these raw header lines. */
async function receivedHeaders(lines: [string, string][]): Promise<IncomingHttpHeaders> {
  const server = createServer((req, res) => {
    res.end();
    server.emit('received', req.headers);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const received = once(server, 'received');
    const { port } = server.address() as AddressInfo;
    // Raw header lines keep the names' spelling and repeats as written on the wire (and need Host).
    const headers = [['Host', `127.0.0.1:${port}`], ...lines].flat();
    const req = request({ host: '127.0.0.1', port, headers, agent: false });
    req.end();
    const [response] = await once(req, 'response');
    response.resume();
    expect(response.statusCode).toBe(200);
    return (await received)[0] as IncomingHttpHeaders;
  } finally {
    server.close();
  }
}

/** The parser as first written, with regular expressions: the oracle for the single-pass one. */
function referenceParse(header: string): SpanContext | undefined {
  const value = header.replace(/^[ \t]+|[ \t]+$/g, '');
  if (value.length < 55) return undefined;
  const version = value.slice(0, 2);
  if (!/^[0-9a-f]+$/.test(version) || version === 'ff') return undefined;
  if (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const [traceId, spanId, flags] = [value.slice(3, 35), value.slice(36, 52), value.slice(53, 55)];
  if (!/^[0-9a-f]+$/.test(traceId) || /^0+$/.test(traceId)) return undefined;
  if (!/^[0-9a-f]+$/.test(spanId) || /^0+$/.test(spanId)) return undefined;
  if (!/^[0-9a-f]+$/.test(flags)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 0x03, isRemote: true };
}

test('parseTraceparent agrees with the regular-expression oracle on mutated headers', () => {
  const alphabet = fc.constantFrom(...'0123456789abcdefABCDEFgz- \t.');
  const base = fc.constantFrom(
    VALID,
    `cc-${TRACE_ID}-${SPAN_ID}-01`,
    `ff-${TRACE_ID}-${SPAN_ID}-01`,
    `00-${'0'.repeat(32)}-${SPAN_ID}-00`,
    `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
  );
  const mutated = fc
    .tuple(
      base,
      fc.array(fc.tuple(fc.nat(60), alphabet), { maxLength: 3 }),
      fc.constantFrom('', ' ', '\t', '-x', '-', '0', '.1'),
      fc.constantFrom('', ' ', '\t '),
    )
    .map(([header, edits, suffix, ows]) => {
      const chars = [...header];
      for (const [at, c] of edits) chars[at % chars.length] = c;
      return `${ows}${chars.join('')}${suffix}${ows}`;
    });
  let valid = 0;
  fc.assert(
    fc.property(mutated, (header) => {
      const parsed = parseTraceparent(header);
      if (parsed !== undefined) valid++;
      expect(parsed).toEqual(referenceParse(header));
    }),
    { numRuns: 5000 },
  );
  // Both outcomes are exercised, not only rejections.
  expect(valid).toBeGreaterThan(500);
});

describe('extractIncomingTraceContext', () => {
  const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`;
  test.each<[string, [string, string][]]>([
    ['no traceparent', [['Accept', 'application/json']]],
    ['a valid traceparent, any spelling', [['TraceParent', VALID]]],
    [
      'with tracestate',
      [
        ['traceparent', VALID],
        ['TRACESTATE', 'rojo=00f067aa0ba902b7'],
      ],
    ],
    [
      'a repeated tracestate',
      [
        ['traceparent', VALID],
        ['tracestate', 'a=1'],
        ['Tracestate', 'b=2'],
      ],
    ],
    [
      'a repeated traceparent',
      [
        ['traceparent', VALID],
        ['Traceparent', other],
      ],
    ],
    ['an invalid traceparent', [['traceparent', `${VALID}-x`]]],
  ])('%s: the same context as extractTraceContext, from a real request', async (_case, lines) => {
    const headers = await receivedHeaders(lines);
    const incoming = trace.getSpanContext(extractIncomingTraceContext(headers, ROOT_CONTEXT));
    const general = trace.getSpanContext(extractTraceContext(headers, ROOT_CONTEXT));
    expect(incoming).toEqual(general);
    expect(incoming?.traceState?.serialize()).toBe(general?.traceState?.serialize());
    const sent = lines.filter(([name]) => name.toLowerCase() === 'traceparent');
    expect(incoming?.traceId).toBe(sent.length === 1 && sent[0]![1] === VALID ? TRACE_ID : undefined);
  });

  test('reads the lower-cased names Node gives, so a hand-written mixed-case record is not its input', () => {
    expect(
      trace.getSpanContext(extractIncomingTraceContext({ traceparent: VALID }, ROOT_CONTEXT))?.spanId,
    ).toBe(SPAN_ID);
    expect(extractIncomingTraceContext({ TraceParent: VALID } as IncomingHttpHeaders, ROOT_CONTEXT)).toBe(
      ROOT_CONTEXT,
    );
  });
});

describe('isExtractedRemoteSpan', () => {
  test("is true for the extracted remote span only, while it is the context's span", () => {
    const extracted = extractIncomingTraceContext({ traceparent: VALID }, ROOT_CONTEXT);
    const span = trace.getSpan(extracted)!;
    expect(isExtractedRemoteSpan(extracted, span)).toBe(true);
    expect(span.spanContext()).toEqual(parseTraceparent(VALID));
    expect(span.isRecording()).toBe(false);
    // A span set on top (a child, or another SDK's) is not it, even with the same ids.
    const child = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: '1'.repeat(16), traceFlags: 1 });
    expect(isExtractedRemoteSpan(trace.setSpan(extracted, child), child)).toBe(false);
    const twin = trace.wrapSpanContext(span.spanContext());
    expect(isExtractedRemoteSpan(trace.setSpan(extracted, twin), twin)).toBe(false);
    // Contexts without an extraction: none, an invalid header, a span set by hand.
    const invalid = extractIncomingTraceContext({ traceparent: `${VALID}-x` }, ROOT_CONTEXT);
    expect(trace.getSpan(invalid)).toBeUndefined();
    expect(isExtractedRemoteSpan(trace.setSpan(ROOT_CONTEXT, child), child)).toBe(false);
  });

  test('an extracted trace keeps its own random flag on what is injected from it', () => {
    for (const [flags, injected] of [
      ['01', '01'],
      ['03', '03'],
    ] as const) {
      const extracted = extractIncomingTraceContext(
        { traceparent: `00-${TRACE_ID}-${SPAN_ID}-${flags}` },
        ROOT_CONTEXT,
      );
      // A local child of the remote span: the SDK gives it only the sampled flag.
      const child = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: '1'.repeat(16), traceFlags: 1 });
      const headers = injectTraceHeaders<Record<string, string>>(undefined, {
        context: trace.setSpan(extracted, child),
        requestIds: false,
      });
      expect(headers.traceparent).toBe(`00-${TRACE_ID}-${'1'.repeat(16)}-${injected}`);
    }
  });
});

describe('extractTraceContext', () => {
  test('continues the remote trace, with tracestate', () => {
    const ctx = extractTraceContext(
      { traceparent: VALID, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' },
      ROOT_CONTEXT,
    );
    const spanContext = trace.getSpanContext(ctx);
    expect(spanContext?.traceId).toBe(TRACE_ID);
    expect(spanContext?.spanId).toBe(SPAN_ID);
    expect(spanContext?.isRemote).toBe(true);
    expect(spanContext?.traceState?.get('rojo')).toBe('00f067aa0ba902b7');
    expect(spanContext?.traceState?.get('congo')).toBe('t61rcWkgMzE');
  });

  test('an invalid traceparent is ignored (a new trace starts) and its tracestate is not read', () => {
    const ctx = extractTraceContext(
      { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01-x`, tracestate: 'a=b' },
      ROOT_CONTEXT,
    );
    expect(ctx).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)).toBeUndefined();
  });

  test('a repeated traceparent header is ignored, in every carrier shape', () => {
    const other = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    expect(
      trace.getSpanContext(extractTraceContext({ traceparent: [VALID, other] }, ROOT_CONTEXT)),
    ).toBeUndefined();
    const headers = new Headers();
    headers.append('traceparent', VALID);
    headers.append('traceparent', other);
    expect(trace.getSpanContext(extractTraceContext(headers, ROOT_CONTEXT))).toBeUndefined();
    const pairs: [string, string][] = [
      ['traceparent', VALID],
      ['Traceparent', other],
    ];
    expect(trace.getSpanContext(extractTraceContext(pairs, ROOT_CONTEXT))).toBeUndefined();
  });

  test('header names are case-insensitive in plain records, Headers and pair arrays', () => {
    for (const carrier of [
      { TraceParent: VALID },
      new Headers({ TRACEPARENT: VALID }),
      [['TraceParent', VALID]] as [string, string][],
    ]) {
      expect(trace.getSpanContext(extractTraceContext(carrier, ROOT_CONTEXT))?.traceId).toBe(TRACE_ID);
    }
  });

  test('a malformed tracestate does not affect traceparent', () => {
    const ctx = extractTraceContext({ traceparent: VALID, tracestate: 'Invalid Key=@@@' }, ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)?.traceId).toBe(TRACE_ID);
  });
});

describe('injectTraceHeaders', () => {
  const spanContext: SpanContext = {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState('rojo=00f067aa0ba902b7'),
  };
  const ctx = trace.setSpanContext(ROOT_CONTEXT, spanContext);
  // A local span of a trace started here: its id is random, so Level 2's random flag is set.
  const LOCAL = `00-${TRACE_ID}-${SPAN_ID}-03`;

  test('writes traceparent and tracestate into a new record, Headers, or undici pairs', () => {
    expect(injectTraceHeaders(undefined, { context: ctx })).toEqual({
      traceparent: LOCAL,
      tracestate: 'rojo=00f067aa0ba902b7',
    });
    const headers = injectTraceHeaders(new Headers({ accept: 'application/json' }), { context: ctx });
    expect(headers.get('traceparent')).toBe(LOCAL);
    expect(headers.get('accept')).toBe('application/json');
    const pairs = injectTraceHeaders([['Traceparent', 'stale']] as [string, string][], { context: ctx });
    expect(pairs).toEqual([
      ['traceparent', LOCAL],
      ['tracestate', 'rojo=00f067aa0ba902b7'],
    ]);
  });

  test('replaces a differently-cased header in a record instead of sending two', () => {
    const record: Record<string, string> = { TraceParent: 'stale' };
    injectTraceHeaders(record, { context: ctx });
    expect(Object.keys(record).filter((k) => k.toLowerCase() === 'traceparent')).toEqual(['traceparent']);
  });

  test('writes nothing without a valid span', () => {
    expect(injectTraceHeaders(undefined, { context: ROOT_CONTEXT })).toEqual({});
  });

  test('the outgoing traceparent is always valid and round-trips, whatever the span context', () => {
    const hex = (length: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, spanId, flags) => {
        fc.pre(!/^0+$/.test(traceId) && !/^0+$/.test(spanId));
        const header = formatTraceparent({ traceId, spanId, traceFlags: flags });
        expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/);
        expect(parseTraceparent(header)).toEqual({ traceId, spanId, traceFlags: flags & 3, isRemote: true });
      }),
    );
  });
});
