/**
 * `ServedEndpoint.track(req, res)` on its own, on a plain node:http server (what `dynamoEndpoint()`
 * falls back to without dynotel's Express middleware): every outcome ends the request exactly once.
 */
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { init, resetTelemetryForTests, type Telemetry } from '../src/index.ts';
import { Lines } from './support/lines.ts';

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
});

it('tracks a success, a 5xx and a client that hung up, and leaves nothing in flight', async () => {
  telemetry = init({
    env: { DYN_SHUTDOWN_DRAIN_DELAY: '0', DYN_NAMESPACE: 'ns', DYN_COMPONENT: 'worker' },
    handleSignals: false,
    logDestination: new Lines(),
  });
  const endpoint = telemetry.endpoint('generate');
  const server = createServer((req, res) => {
    endpoint.track(req, res);
    if (req.url === '/hang') return; // answered never: the client hangs up
    res.statusCode = req.url === '/fail' ? 500 : 200;
    res.write('{"text":');
    res.end('"hi"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const send = (path: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.setHeader('content-length', Buffer.byteLength(body));
      req.end(body);
    });
  try {
    expect(await send('/ok', 'abcd')).toBe(200);
    expect(await send('/fail', 'ef')).toBe(500);
    const hanging = request({ host: '127.0.0.1', port, path: '/hang', method: 'POST', agent: false });
    hanging.on('error', () => {});
    hanging.end('x');
    await new Promise((resolve) => setTimeout(resolve, 50));
    hanging.destroy();
    const value = async (name: string) => {
      const { body } = await telemetry!.metrics.scrape();
      return Number(
        new RegExp(`^${name}\\{[^}]*dynamo_endpoint="generate"[^}]*\\} (\\S+)$`, 'm').exec(body)?.[1],
      );
    };
    for (let i = 0; i < 100 && (await value('dynamo_component_cancellation_total')) !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await value('dynamo_component_cancellation_total')).toBe(1);
    expect(await value('dynamo_component_requests_total')).toBe(3);
    expect(await value('dynamo_component_inflight_requests')).toBe(0);
    expect(await value('dynamo_component_request_bytes_total')).toBe(4 + 2 + 1);
    expect(await value('dynamo_component_response_bytes_total')).toBe(2 * Buffer.byteLength('{"text":"hi"}'));
    const { body } = await telemetry.metrics.scrape();
    expect(body).toMatch(/dynamo_component_errors_total\{[^}]*error_type="generate"[^}]*\} 1/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
