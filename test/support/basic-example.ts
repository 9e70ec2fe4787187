import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExampleProcess, startExample } from './example-process.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/**
 * The test both basic examples (Express and Fastify) share: run `examples/<name>/src/main.ts` as a child
 * process and check every signal of a real request, then a clean SIGTERM exit.
 */
export function describeBasicExample(name: 'express-basic' | 'fastify-basic'): void {
  const main = fileURLToPath(new URL(`../../examples/${name}/src/main.ts`, import.meta.url));
  describe(`examples/${name}`, () => {
    let example: ExampleProcess | undefined;
    afterEach(async () => {
      await example?.stop();
      example = undefined;
    });

    it('serves requests with ids, trace context, RED metrics, health and access logs', async () => {
      example = startExample(main, { DYN_HTTP_PORT: '0', DYN_HTTP_HOST: '127.0.0.1' });
      const url = String((await example.waitForLog(`${name} listening`)).url);

      const hello = await fetch(`${url}/hello/ada`, {
        headers: { 'x-request-id': 'test-req-1', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
      });
      expect(hello.status).toBe(200);
      expect(await hello.json()).toEqual({ hello: 'ada' });
      expect(hello.headers.get('x-request-id')).toBe('test-req-1');
      const fail = await fetch(`${url}/fail`);
      expect(fail.status).toBe(500);

      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy', endpoints: [], instances: [] });
      expect((await fetch(`${url}/live`)).status).toBe(200);

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(
        /http_server_request_duration_seconds_count\{[^}]*http_response_status_code="200"[^}]*http_route="\/hello\/:name"[^}]*\} 1/,
      );
      expect(metrics).toMatch(
        /http_server_request_duration_seconds_count\{[^}]*http_response_status_code="500"[^}]*http_route="\/fail"[^}]*\} 1/,
      );

      // The handler's own log line continues the caller's trace and carries the request id.
      const greeting = await example.waitForLog('saying hello');
      expect(greeting).toMatchObject({ trace_id: TRACE_ID, x_request_id: 'test-req-1', level: 'INFO' });
      expect(greeting.span_id).toMatch(/^[0-9a-f]{16}$/);
      const access = example.logs.filter((l) => l.message === 'http response sent');
      expect(access.map((l) => [l.route, l.status])).toEqual([
        ['/hello/:name', 200],
        ['/fail', 500],
      ]);

      // SIGTERM runs dynotel's graceful shutdown and exits cleanly.
      expect(await example.stop()).toBe(0);
    });
  });
}
