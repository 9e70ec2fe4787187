import { INVALID_SPAN_CONTEXT, type Span, trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanLimits } from '@opentelemetry/sdk-trace';
import { describe, expect, test } from 'vitest';
import {
  type RequestSpanAttributes,
  setRequestSpanAttributes,
  setResponseSpanAttributes,
} from '../src/request-span-attributes.ts';
import { limitedProvider } from './support/limited-provider.ts';

/**
 * The HTTP server span's attributes are written directly when the span and limits allow: the span left
 * must be the one the SDK's `setAttribute`, key by key in the same order, leaves — the same attributes
 * in the same order (the order they are exported in), the same drops, the same count for later calls.
 */
const LIMITS: SpanLimits[] = [
  {},
  { attributeCountLimit: 0 },
  { attributeCountLimit: 6 },
  { attributeCountLimit: 7 },
  { attributeCountLimit: 8 },
  { attributeCountLimit: 9 },
  { attributeValueLengthLimit: 0 },
  { attributeValueLengthLimit: 8 },
  { attributeValueLengthLimit: 36 },
  { attributeValueLengthLimit: -1 },
  { attributeCountLimit: 8, attributeValueLengthLimit: 12 },
];

const REQUESTS: RequestSpanAttributes[] = [
  {
    method: 'GET',
    uri: '/v1/models/llama?x=1',
    version: 'HTTP/1.1',
    requestMethod: 'GET',
    path: '/v1/models/llama',
    xRequestId: '7b0f9e5e-3d4c-4bb3-8f5a-1c2d3e4f5a6b',
    requestId: '7b0f9e5e-3d4c-4bb3-8f5a-1c2d3e4f5a6b',
  },
  {
    method: 'PURGE',
    uri: '/',
    version: 'HTTP/1.0',
    requestMethod: '_OTHER',
    path: '/',
    xRequestId: 'client-1',
    requestId: 'a9d8e0c2-6f3b-4b1e-9f5a-2d7c8b6a5e4f',
  },
];

type Step = (span: Span) => void;

function bySetAttribute(values: RequestSpanAttributes): Step {
  return (span) => {
    span.setAttribute('method', values.method);
    span.setAttribute('uri', values.uri);
    span.setAttribute('version', values.version);
    span.setAttribute('http.request.method', values.requestMethod);
    span.setAttribute('url.path', values.path);
    span.setAttribute('x_request_id', values.xRequestId);
    span.setAttribute('request_id', values.requestId);
  };
}

function exported(span: ReadableSpan): unknown {
  return {
    keys: Object.keys(span.attributes),
    attributes: span.attributes,
    dropped: span.droppedAttributesCount,
  };
}

/** Runs the same steps through the SDK and through the direct path, and compares the ended spans. */
function expectSameSpan(limits: SpanLimits, expectedSteps: Step[], actualSteps: Step[]): void {
  const { start, ended } = limitedProvider(limits, 'http-request');
  const expected = start();
  const actual = start();
  for (const step of expectedSteps) step(expected);
  for (const step of actualSteps) step(actual);
  // Later calls through the SDK see the same count: the same keys are kept or dropped.
  for (const span of [expected, actual]) {
    span.setAttribute('later', 'x');
    span.setAttribute('method', 'later');
    span.end();
  }
  expect(exported(ended[1]!), JSON.stringify(limits)).toEqual(exported(ended[0]!));
}

describe('setRequestSpanAttributes and setResponseSpanAttributes', () => {
  test('leave the span the SDK leaves, over limits, requests, routes and what was set before', () => {
    for (const limits of LIMITS) {
      for (const values of REQUESTS) {
        for (const route of [undefined, '/v1/models/:id', '/a-route-longer-than-the-limits/:id']) {
          for (const before of [[], [(span: Span) => span.setAttribute('http.route', '/set/by/app')]]) {
            const response: Step = (span) => {
              span.setAttribute('http.response.status_code', 200);
              if (route !== undefined) span.setAttribute('http.route', route);
            };
            expectSameSpan(
              limits,
              [...before, bySetAttribute(values), response],
              [
                ...before,
                (span) => setRequestSpanAttributes(span, values),
                (span) => setResponseSpanAttributes(span, 200, route),
              ],
            );
          }
        }
      }
    }
  });

  test('leave an ended span as it is, and hand any other span to its own setAttribute', () => {
    const { start } = limitedProvider({}, 'http-request');
    const span = start();
    span.end();
    setRequestSpanAttributes(span, REQUESTS[0]!);
    setResponseSpanAttributes(span, 200, '/r');
    expect((span as unknown as ReadableSpan).attributes).toEqual({});

    const nonRecording = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    expect(() => setRequestSpanAttributes(nonRecording, REQUESTS[0]!)).not.toThrow();
    const calls: unknown[] = [];
    const foreign = { setAttribute: (key: string, value: unknown) => calls.push([key, value]) };
    setResponseSpanAttributes(foreign as unknown as Span, 503, '/r');
    expect(calls).toEqual([
      ['http.response.status_code', 503],
      ['http.route', '/r'],
    ]);
  });
});
