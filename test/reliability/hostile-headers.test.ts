/**
 * Hostile headers, property-based: x-request-id, traceparent, tracestate, Accept and arbitrary extra
 * headers (any byte an HTTP/1.1 client can send, repeated headers, 8 KB values) on the Express and
 * Fastify middleware, and hostile methods, paths and headers on the system status server. Every time:
 * a valid answer, the request id echoed if valid or replaced by a UUID (never reflected raw), the trace
 * continued exactly when the W3C rules accept the traceparent, one JSON access line per request, a
 * /metrics body that the strict exposition parser accepts, and the service keeps serving.
 */
import http from 'node:http';
import { isValidRequestId } from '@dynotel/core';
import { init, type Telemetry } from 'dynotel';
import { resetTelemetryForTests } from 'dynotel/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition } from '../../packages/metrics/src/foreign/parser.ts';
import { type Framework, startApp, type TestApp } from '../dynotel/apps.ts';
import {
  accept,
  headerValue,
  owsTrimmed,
  referenceTraceId,
  traceparent,
  tracestate,
} from './support/hostile.ts';
import { LineCapture } from './support/line-capture.ts';
import { rawRequest } from './support/raw-http.ts';
import { recordFigures } from './support/report.ts';
import { sized } from './support/settings.ts';

const RUNS = sized(300, 2000);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TEXT_004 = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

let telemetry: Telemetry | undefined;
let app: TestApp | undefined;
// One connection per request: a server that closes a connection after an over-limit request must not
// make the next request fail on a reused socket (a client-side race, not what is under test).
const agent = new http.Agent({ keepAlive: false });

afterEach(async () => {
  await app?.close();
  await telemetry?.shutdown('test finished');
  resetTelemetryForTests();
  app = undefined;
  telemetry = undefined;
});

/** How Node's server joins a header sent several times (unknown names: `, `). */
function received(value: string | string[]): string {
  return Array.isArray(value) ? value.map(owsTrimmed).join(', ') : owsTrimmed(value);
}

const headerName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
  .filter(
    (n) =>
      ![
        'host',
        'content-length',
        'transfer-encoding',
        'connection',
        'expect',
        'upgrade',
        'te',
        'trailer',
      ].includes(n),
  );
const maybeRepeated = (value: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 4, arbitrary: value },
    { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }) },
  );

describe.each<Framework>(['express', 'fastify'])('hostile headers on the %s middleware', (framework) => {
  it(`${RUNS} requests with hostile x-request-id, traceparent, tracestate, Accept and extra headers`, async () => {
    const logs = new LineCapture();
    telemetry = init({
      env: { DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0', OTEL_SERVICE_NAME: 'hostile' },
      handleSignals: false,
      logDestination: logs,
    });
    app = await startApp(framework, telemetry, 'http://127.0.0.1:9');
    const base = app.url;
    logs.take(); // the 'dynotel initialised' line
    const stats = {
      requests: 0,
      headersTooLarge: 0,
      requestIdsKept: 0,
      requestIdsReplaced: 0,
      tracesContinued: 0,
      tracesRestarted: 0,
      openMetrics: 0,
      text004: 0,
    };

    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            requestId: maybeRepeated(
              fc.oneof(headerValue(), fc.stringMatching(/^[A-Za-z0-9._~+/=:@-]{1,140}$/)),
            ),
            traceparent: maybeRepeated(traceparent),
            tracestate: maybeRepeated(tracestate),
            accept,
            extra: fc.dictionary(headerName, maybeRepeated(headerValue(100)), { maxKeys: 4 }),
          },
          { requiredKeys: ['accept'] },
        ),
        async (input) => {
          const headers: Record<string, string | string[]> = { ...input.extra };
          if (input.requestId !== undefined) headers['x-request-id'] = input.requestId;
          if (input.traceparent !== undefined) headers.traceparent = input.traceparent;
          if (input.tracestate !== undefined) headers.tracestate = input.tracestate;
          headers.accept = input.accept;
          const headerBytes = Object.entries(headers).reduce(
            (sum, [name, value]) => sum + name.length + [value].flat().join('').length + 4,
            0,
          );
          let response: Awaited<ReturnType<typeof rawRequest>>;
          try {
            response = await rawRequest(`${base}/v1/items/7`, { headers, agent });
          } catch (error) {
            // Over Node's 16 KiB header limit the server may cut the connection while the client is still
            // sending (Fastify's clientError handler): a refusal, not a crash; anything else is a failure.
            if (headerBytes <= 16 * 1024) throw error;
            stats.headersTooLarge++;
            expect(logs.take()).toEqual([]);
            return;
          }
          stats.requests++;
          if (response.status === 431) {
            // Node's own limit (16 KiB of headers) answered before any middleware ran: a clear error.
            stats.headersTooLarge++;
            expect(logs.take()).toEqual([]);
            return;
          }
          expect(response.status).toBe(200);

          const echoed = response.headers['x-request-id'];
          expect(typeof echoed).toBe('string');
          const inbound = input.requestId === undefined ? undefined : received(input.requestId);
          if (inbound !== undefined && isValidRequestId(inbound)) {
            expect(echoed).toBe(inbound);
            stats.requestIdsKept++;
          } else {
            expect(echoed).toMatch(UUID);
            if (inbound !== undefined) stats.requestIdsReplaced++;
          }

          const lines = logs.take();
          const access = lines.filter((line) => line.message === 'http response sent');
          expect(access).toHaveLength(1);
          expect(lines.filter((line) => line.message === 'handling item')).toHaveLength(1);
          for (const line of lines) expect(line.x_request_id).toBe(echoed);
          // A rejected inbound id that could not appear by chance must never reach the logs.
          const rejected = inbound !== undefined && !isValidRequestId(inbound) ? String(inbound) : undefined;
          if (rejected !== undefined && rejected.length >= 8 && /[^0-9a-f-]/.test(rejected))
            expect(JSON.stringify(lines)).not.toContain(JSON.stringify(rejected).slice(1, -1));

          const expectedTrace =
            input.traceparent === undefined ? undefined : referenceTraceId(received(input.traceparent));
          const traceId = access[0]!.trace_id;
          expect(traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(traceId).not.toBe('0'.repeat(32));
          if (expectedTrace !== undefined) {
            expect(traceId).toBe(expectedTrace);
            stats.tracesContinued++;
          } else {
            stats.tracesRestarted++;
          }

          const scrape = await rawRequest(`${base}/metrics`, { headers: { accept: input.accept }, agent });
          expect(scrape.status).toBe(200);
          expect([TEXT_004, OPENMETRICS]).toContain(scrape.headers['content-type']);
          const format = scrape.headers['content-type'] === OPENMETRICS ? 'openmetrics' : 'text';
          if (format === 'openmetrics') stats.openMetrics++;
          else stats.text004++;
          const parsed = parseExposition(scrape.body, { format });
          expect(parsed.ok, parsed.ok ? '' : `${parsed.error.line}: ${parsed.error.message}`).toBe(true);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    // Still serving, and still ready.
    expect((await rawRequest(`${base}/v1/items/after`, { agent })).status).toBe(200);
    expect((await rawRequest(`${base}/health`, { agent })).status).toBe(200);
    recordFigures(`hostile-headers-${framework}`, stats);
  });
});

describe('hostile requests on the system status server', () => {
  it(`${RUNS} hostile methods, paths and headers: a status from the expected set, and it keeps serving`, async () => {
    telemetry = init({
      env: {
        DYN_LOGGING_JSONL: '1',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        DYN_SYSTEM_PORT: '0',
        DYN_SYSTEM_HOST: '127.0.0.1',
      },
      handleSignals: false,
      logDestination: new LineCapture(),
    });
    telemetry.health.setProcessStatus('ready');
    const server = await telemetry.systemServer;
    expect(server).toBeDefined();
    const base = server!.url.replace(/\/$/, '');
    const statuses: Record<string, number> = {};
    const pathChar = fc.constantFrom(..."abcz019/%.-_~?#&=;:@!$'()*+,[]".split(''));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'GET',
          'HEAD',
          'POST',
          'PUT',
          'DELETE',
          'OPTIONS',
          'PATCH',
          'TRACE',
          'PROPFIND',
          'X-JUNK',
        ),
        fc.oneof(
          fc.constantFrom(
            '/health',
            '/live',
            '/metrics',
            '/health/',
            '/HEALTH',
            '/metrics?x=1',
            '//health',
            '/health?%zz',
            '/%2e%2e/health',
          ),
          fc.string({ unit: pathChar, maxLength: 200 }).map((p) => `/${p.replace(/#/g, '')}`),
          fc
            .string({ unit: pathChar, minLength: 4000, maxLength: 9000 })
            .map((p) => `/${p.replace(/#/g, '')}`),
        ),
        fc.dictionary(headerName, headerValue(300), { maxKeys: 5 }),
        accept,
        async (method, path, headers, acceptValue) => {
          const response = await rawRequest(`${base}${path}`, {
            method,
            headers: { ...headers, accept: acceptValue },
            agent,
          });
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          expect([200, 400, 404, 405, 406, 414, 431, 503]).toContain(response.status);
          if (response.status === 200 && path.startsWith('/metrics') && method === 'GET') {
            const parsed = parseExposition(response.body);
            expect(parsed.ok, parsed.ok ? '' : `${parsed.error.line}: ${parsed.error.message}`).toBe(true);
          }
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect((await rawRequest(`${base}/health`, { agent })).status).toBe(200);
    expect((await rawRequest(`${base}/live`, { agent })).status).toBe(200);
    recordFigures('hostile-system-server', { requests: RUNS, statuses });
  });
});
