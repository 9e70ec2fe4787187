import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import {
  type Framework,
  get,
  type ModuleKind,
  sampleSum,
  sampleValue,
  startZeroCodeApp,
  waitFor,
} from './support/zero-code-app.ts';

/**
 * Unmodified Express 5, Fastify 5 and node:http applications, started as child processes with only
 * `--import dynotel/register` (ESM) or `--require dynotel/register` (CommonJS): every request gets its
 * echoed request id, a server span continuing the incoming trace (decoded by the real OTLP receiver),
 * `http_server_request_duration_seconds` with the route template, the access line and handler lines
 * with the same ids — from Node's diagnostics channels alone.
 */
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function tracingEnv(): Record<string, string> {
  return {
    OTEL_EXPORT_ENABLED: 'true',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
}

const TEMPLATED: Record<Framework, string> = {
  http: 'unmatched',
  express: '/api/things/:id',
  fastify: '/api/things/:id',
};

const CASES: Array<[Framework, ModuleKind]> = [
  ['http', 'esm'],
  ['http', 'cjs'],
  ['express', 'esm'],
  ['express', 'cjs'],
  ['fastify', 'esm'],
  ['fastify', 'cjs'],
];

describe('zero-code incoming HTTP (dynotel/register alone)', () => {
  it.each(CASES)(
    '%s (%s): ids, server span, RED metrics with the route, access and handler lines',
    async (framework, kind) => {
      const app = await startZeroCodeApp({ framework, kind, env: tracingEnv() });
      try {
        const traceId =
          `${framework === 'http' ? 'a1' : framework === 'express' ? 'b2' : 'c3'}${kind === 'esm' ? 'e' : 'c'}0`.padEnd(
            32,
            '7',
          );
        const parentSpanId = '00f067aa0ba902b7';
        const xRequestId = `zero-${framework}-${kind}`;
        const answer = await get(`${app.url}/api/things/7`, {
          'x-request-id': xRequestId,
          traceparent: `00-${traceId}-${parentSpanId}-01`,
        });
        expect(answer.status).toBe(200);
        expect(answer.headers['x-request-id']).toBe(xRequestId);
        const body = JSON.parse(answer.body) as {
          before: { xRequestId: string };
          after: { xRequestId: string };
        };
        // The handler, and what it awaited, ran in the request's context.
        expect(body.before.xRequestId).toBe(xRequestId);
        expect(body.after).toEqual(body.before);

        const notFound = await get(`${app.url}/nope`, { 'x-request-id': 'bad id with spaces' });
        expect(notFound.status).toBe(404);
        // An invalid inbound id is replaced (and the replacement echoed), never logged raw.
        expect(notFound.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

        const access = await app.waitForLine(
          (line) => line.message === 'http response sent' && line.x_request_id === xRequestId,
        );
        const spans = await receiver.waitForSpans(1);
        const span = (await waitFor(() => receiver.spans().find((s) => s.traceId === traceId)))!;
        expect(spans.length).toBeGreaterThan(0);
        expect(span).toMatchObject({ name: 'http-request', kind: 2, parentSpanId, traceId });
        expect(span.attributes).toMatchObject({
          x_request_id: xRequestId,
          'http.request.method': 'GET',
          'http.response.status_code': 200,
        });
        if (framework !== 'http') expect(span.attributes['http.route']).toBe(TEMPLATED[framework]);
        expect(access).toMatchObject({
          level: 'INFO',
          target: 'http',
          method: 'GET',
          route: TEMPLATED[framework],
          status: 200,
          trace_id: traceId,
          span_id: span.spanId,
        });
        const handlerLines = app
          .lines()
          .filter((line) => line.message === 'handling item' || line.message === 'item handled');
        expect(handlerLines).toHaveLength(2);
        for (const line of handlerLines) {
          expect(line).toMatchObject({
            trace_id: traceId,
            span_id: span.spanId,
            x_request_id: xRequestId,
            request_id: access.request_id,
          });
        }
        expect(app.lines().some((line) => JSON.stringify(line).includes('bad id with spaces'))).toBe(false);

        // Scraped twice: were the system status server instrumented, the first scrape would show in the second.
        await (await fetch(`${app.systemUrl}/metrics`)).text();
        const metrics = await (await fetch(`${app.systemUrl}/metrics`)).text();
        const count = 'http_server_request_duration_seconds_count';
        expect(
          sampleValue(metrics, count, {
            http_request_method: 'GET',
            http_route: TEMPLATED[framework],
            http_response_status_code: '200',
          }),
        ).toBe(1);
        expect(
          sampleValue(metrics, count, {
            http_request_method: 'GET',
            http_route: 'unmatched',
            http_response_status_code: '404',
          }),
        ).toBe(1);
        // Exactly the application's two requests: the system status server's scrapes are not app traffic.
        expect(sampleSum(metrics, count)).toBe(2);
        expect(sampleValue(metrics, 'http_server_active_requests', { http_request_method: 'GET' })).toBe(0);
      } finally {
        await app.stop();
      }
    },
  );
});
