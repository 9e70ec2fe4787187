import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { get, sampleSum, sampleValue, startZeroCodeApp, waitFor } from './support/zero-code-app.ts';

/**
 * The edges of zero-code incoming HTTP, on real child processes: a request is counted, traced and logged
 * exactly once with the Express middleware or Fastify plugin present too; the requests Fastify answers
 * before any hook are counted; a later request on a keep-alive (or pipelined) connection never sees the
 * previous one's ids, nor does code outside requests; a client that hangs up is a 499; off is off.
 */
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const COUNT = 'http_server_request_duration_seconds_count';

function tracingEnv(): Record<string, string> {
  return {
    OTEL_EXPORT_ENABLED: 'true',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
}

async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

describe('zero-code with the Express middleware or the Fastify plugin installed too', () => {
  it.each([
    ['express', 'esm'],
    ['fastify', 'cjs'],
  ] as const)(
    '%s (%s): one count, one span, one access line; dynotel routes on the app port are not app traffic',
    async (framework, kind) => {
      const app = await startZeroCodeApp({
        framework,
        kind,
        adapter: true,
        env: tracingEnv(),
      });
      try {
        const traceId = `${framework === 'express' ? 'e1' : 'f1'}`.padEnd(32, '9');
        const answer = await get(`${app.url}/items/1`, {
          'x-request-id': `once-${framework}`,
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        });
        expect(answer.headers['x-request-id']).toBe(`once-${framework}`);
        // The adapter answers /metrics on the application's port: served, not counted.
        const appScrape = await scrape(app.url);
        expect(appScrape).toContain(COUNT);
        await app.waitForLine((line) => line.message === 'http response sent');
        await waitFor(() => receiver.spans().find((span) => span.traceId === traceId));
        await new Promise((resolve) => setTimeout(resolve, 300));
        const metrics = await scrape(app.systemUrl);
        expect(sampleSum(metrics, COUNT)).toBe(1);
        expect(
          sampleValue(metrics, COUNT, { http_route: '/items/:id', http_response_status_code: '200' }),
        ).toBe(1);
        expect(app.lines().filter((line) => line.message === 'http response sent')).toHaveLength(1);
        expect(receiver.spans().filter((span) => span.traceId === traceId)).toHaveLength(1);
        expect(sampleValue(metrics, 'http_server_active_requests', { http_request_method: 'GET' })).toBe(0);
      } finally {
        await app.stop();
      }
    },
  );
});

describe('a handler that throws', () => {
  it.each([
    ['express', 'cjs'],
    ['fastify', 'esm'],
  ] as const)(
    '%s (%s): 500 under its route template, the error on the span; never a template without its mount',
    async (framework, kind) => {
      receiver.clear();
      const app = await startZeroCodeApp({ framework, kind, env: tracingEnv() });
      try {
        expect((await get(`${app.url}/top-fail/1`, { 'x-request-id': `fail-${framework}` })).status).toBe(
          500,
        );
        const span = await waitFor(() =>
          receiver.spans().find((s) => s.attributes.x_request_id === `fail-${framework}`),
        );
        expect(span?.status.code).toBe(2);
        // Fastify reports the handler's error on its channel; Express publishes none (the 500 marks the span).
        if (framework === 'fastify')
          expect(span?.events.some((event) => event.name === 'exception')).toBe(true);
        expect(span?.attributes['http.route']).toBe('/top-fail/:id');
        if (framework === 'express') {
          // The error handler runs after the mounted router handed the request back (its baseUrl restored):
          // counted as unmatched, never as `/fail/:id`.
          expect((await get(`${app.url}/api/fail/1`)).status).toBe(500);
        }
        await waitFor(() =>
          app.lines().filter((line) => line.message === 'http response sent').length >=
          (framework === 'express' ? 2 : 1)
            ? true
            : undefined,
        );
        const metrics = await scrape(app.systemUrl);
        expect(
          sampleValue(metrics, COUNT, { http_route: '/top-fail/:id', http_response_status_code: '500' }),
        ).toBe(1);
        if (framework === 'express') {
          expect(
            sampleValue(metrics, COUNT, { http_route: 'unmatched', http_response_status_code: '500' }),
          ).toBe(1);
          expect(metrics).not.toContain('http_route="/fail/:id"');
        }
      } finally {
        await app.stop();
      }
    },
  );
});

describe('Fastify answers some requests before any hook', () => {
  it.each([
    ['zero-code alone', false, 'esm', {}],
    [
      'the plugin with DYN_INSTRUMENT_HTTP_SERVER=false',
      true,
      'cjs',
      { DYN_INSTRUMENT_HTTP_SERVER: 'false' },
    ],
  ] as const)(
    '%s: a malformed URL (400) and an unknown method (404) are counted',
    async (_name, adapter, kind, env) => {
      const app = await startZeroCodeApp({ framework: 'fastify', kind, adapter, env });
      try {
        expect((await get(`${app.url}/items/%zz`)).status).toBe(400);
        const unknown = await get(`${app.url}/items/1`, {}, 'PROPFIND');
        expect(unknown.status).toBe(404);
        expect(unknown.headers['x-request-id']).toBeDefined();
        await waitFor(() =>
          app.lines().filter((line) => line.message === 'http response sent').length >= 2 ? true : undefined,
        );
        const metrics = await scrape(app.systemUrl);
        expect(
          sampleValue(metrics, COUNT, {
            http_request_method: 'GET',
            http_route: 'unmatched',
            http_response_status_code: '400',
          }),
        ).toBe(1);
        expect(
          sampleValue(metrics, COUNT, {
            http_request_method: '_OTHER',
            http_route: 'unmatched',
            http_response_status_code: '404',
          }),
        ).toBe(1);
        expect(sampleSum(metrics, COUNT)).toBe(2);
      } finally {
        await app.stop();
      }
    },
  );
});

// Node 24 stores contexts in AsyncContextFrame and can be switched back to async_hooks; Node 22 has only
// async_hooks (and rejects the flag), so there the first case already is the async_hooks one.
const canSwitchStore = process.allowedNodeEnvironmentFlags.has('--no-async-context-frame');

describe('request contexts on shared connections', () => {
  it.each([
    [canSwitchStore ? 'AsyncContextFrame (Node 24)' : 'async_hooks (Node 22)', []],
    ...(canSwitchStore
      ? [['async_hooks (Node 24 with --no-async-context-frame)', ['--no-async-context-frame']] as const]
      : []),
  ] as Array<readonly [string, readonly string[]]>)(
    '%s: a later request on a keep-alive or pipelined connection never sees the previous one; code outside requests sees none',
    async (_store, nodeFlags) => {
      const app = await startZeroCodeApp({ framework: 'http', kind: 'esm', nodeFlags, env: tracingEnv() });
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      receiver.clear();
      try {
        const seen: unknown[] = [];
        const sockets = new Set<unknown>();
        for (const id of ['keep-1', 'keep-2', 'keep-3']) {
          const body = await new Promise<string>((resolve, reject) => {
            const req = httpRequest(`${app.url}/ids`, { agent, headers: { 'x-request-id': id } }, (res) => {
              sockets.add(res.socket);
              let text = '';
              res.setEncoding('utf8').on('data', (chunk: string) => {
                text += chunk;
              });
              res.on('end', () => resolve(text));
            });
            req.on('error', reject);
            req.end();
          });
          seen.push(JSON.parse(body));
        }
        expect(sockets.size).toBe(1);
        expect(seen.map((ids) => (ids as { before: { xRequestId: string } }).before.xRequestId)).toEqual([
          'keep-1',
          'keep-2',
          'keep-3',
        ]);
        for (const ids of seen as Array<{ before: unknown; timer: unknown }>)
          expect(ids.timer).toEqual(ids.before);
        agent.destroy();
        // Each request's span starts a trace of its own: none is a child of the previous request's span.
        const spans = await waitFor(() => {
          const found = receiver
            .spans()
            .filter((span) => String(span.attributes.x_request_id).startsWith('keep-'));
          return found.length === 3 ? found : undefined;
        });
        expect(spans?.map((span) => span.parentSpanId)).toEqual(['', '', '']);
        expect(new Set(spans?.map((span) => span.traceId)).size).toBe(3);

        // Pipelined: two requests in one write, parsed in one run of the connection's parser.
        const pipelined = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(new URL(app.url).port), '127.0.0.1');
          let text = '';
          socket.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
            if ((text.match(/"timer"/g) ?? []).length === 2) {
              socket.end();
              resolve(text);
            }
          });
          socket.on('error', reject);
          socket.write(
            'GET /ids HTTP/1.1\r\nHost: x\r\nx-request-id: pipe-1\r\n\r\nGET /ids HTTP/1.1\r\nHost: x\r\nx-request-id: pipe-2\r\n\r\n',
          );
        });
        const bodies = [...pipelined.matchAll(/\{"before".*?\}\}/g)].map(
          (m) => JSON.parse(m[0]) as Record<string, { xRequestId: string }>,
        );
        expect(bodies.map((b) => [b.before!.xRequestId, b.timer!.xRequestId])).toEqual([
          ['pipe-1', 'pipe-1'],
          ['pipe-2', 'pipe-2'],
        ]);

        await new Promise((resolve) => setTimeout(resolve, 50));
        const leaks = JSON.parse((await get(`${app.url}/leaks`)).body) as { leaks: number };
        expect(leaks.leaks).toBe(0);
      } finally {
        agent.destroy();
        await app.stop();
      }
    },
  );

  it('a client that hangs up is finished as 499, aborted', async () => {
    const app = await startZeroCodeApp({ framework: 'http', kind: 'cjs' });
    try {
      await new Promise<void>((resolve) => {
        const req = httpRequest(`${app.url}/slow`, { headers: { 'x-request-id': 'gone' } });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => req.destroy(), 50);
      });
      const line = await app.waitForLine(
        (l) => l.message === 'http response sent' && l.x_request_id === 'gone',
      );
      expect(line).toMatchObject({ status: 499, aborted: true, level: 'WARN' });
    } finally {
      await app.stop();
    }
  });

  it('DYN_INSTRUMENT_HTTP_SERVER=false: an application without middleware gets no HTTP telemetry', async () => {
    const app = await startZeroCodeApp({
      framework: 'http',
      kind: 'esm',
      env: { DYN_INSTRUMENT_HTTP_SERVER: 'false' },
    });
    try {
      const answer = await get(`${app.url}/ids`, { 'x-request-id': 'off' });
      expect(answer.headers['x-request-id']).toBeUndefined();
      expect(JSON.parse(answer.body)).toEqual({ before: null, timer: null });
      expect(sampleSum(await scrape(app.systemUrl), COUNT)).toBe(0);
      expect(app.lines().some((line) => line.message === 'http response sent')).toBe(false);
    } finally {
      await app.stop();
    }
  });
});
