/**
 * Zero-code outgoing HTTP (docs/zero-code.md, "Outgoing calls") from a stranger's install: an unmodified
 * node:http app under dynotel/register whose handler calls a second local server (in the test process)
 * with plain `fetch` and `http.get`. The second server must receive the incoming trace with a different
 * parent id per call and the same `x-request-id`; the spans reach a real OTLP gRPC receiver, each CLIENT
 * span the child of the request's SERVER span and the parent named in its call's `traceparent`. With
 * `OTEL_SDK_DISABLED=true` the incoming `traceparent` passes through unchanged.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const ESM_APP = `
import { createServer, get } from 'node:http';

const downstream = process.env.DOWNSTREAM_URL;
function httpGet(url) {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}
createServer(async (req, res) => {
  const viaFetch = await fetch(downstream + '/fetch' + req.url);
  await viaFetch.text();
  const viaGet = await httpGet(downstream + '/http-get' + req.url);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ fetch: viaFetch.status, get: viaGet }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

// The same app in CommonJS, for the run with the SDK disabled.
const CJS_APP = ESM_APP.replace(
  "import { createServer, get } from 'node:http';",
  "const { createServer, get } = require('node:http');",
);

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

async function spansOfTrace(receiver: OtlpReceiver, traceId: string, count: number): Promise<ReceivedSpan[]> {
  for (let i = 0; i < 400; i++) {
    const spans = receiver.spans().filter((span) => span.traceId === traceId);
    if (spans.length >= count) return spans;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`fewer than ${count} spans of trace ${traceId} reached the receiver`);
}

describe.each(adopterNodes())('zero-code outgoing calls on $name', (node) => {
  let receiver: OtlpReceiver;
  let downstream: Server;
  let downstreamUrl: string;
  const received: Received[] = [];
  let app: AdopterApp | undefined;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    downstream = createServer((req, res) => {
      received.push({ path: req.url ?? '', headers: req.headers });
      res.end('ok');
    });
    downstream.listen(0, '127.0.0.1');
    await once(downstream, 'listening');
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    received.length = 0;
  });
  afterAll(async () => {
    downstream.closeAllConnections();
    downstream.close();
    await receiver.close();
  });

  it('fetch and http.get carry the trace (one parent per call) and the request id; spans exported', async () => {
    app = await startAdopterApp({
      extension: 'mjs',
      source: ESM_APP,
      node,
      args: ['--import', 'dynotel/register'],
      env: {
        DOWNSTREAM_URL: downstreamUrl,
        OTEL_EXPORT_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    const traceId = randomHex(16);
    const incomingParent = randomHex(8);
    const response = await fetch(`${app.url}/traced`, {
      headers: { 'x-request-id': 'outgoing-1', traceparent: `00-${traceId}-${incomingParent}-01` },
    });
    expect(await response.json()).toEqual({ fetch: 200, get: 200 });
    expect(response.headers.get('x-request-id')).toBe('outgoing-1');

    const calls = received.filter((call) => call.path.endsWith('/traced'));
    expect(calls.map((call) => call.path)).toEqual(['/fetch/traced', '/http-get/traced']);
    const parents: string[] = [];
    for (const { headers } of calls) {
      expect(headers['x-request-id']).toBe('outgoing-1');
      const parts = String(headers.traceparent).split('-');
      expect(parts).toHaveLength(4);
      expect(parts[0]).toBe('00');
      expect(parts[1]).toBe(traceId);
      expect(parts[2]).toMatch(/^[0-9a-f]{16}$/);
      expect(parts[3]).toBe('01');
      parents.push(parts[2]!);
    }
    expect(new Set(parents).size).toBe(2);
    expect(parents).not.toContain(incomingParent);

    const spans = await spansOfTrace(receiver, traceId, 3);
    const server = spans.filter((span) => span.kind === SPAN_KIND_SERVER);
    expect(server).toHaveLength(1);
    expect(server[0]!.parentSpanId).toBe(incomingParent);
    const clients = spans.filter((span) => span.kind === SPAN_KIND_CLIENT);
    expect(clients.map((span) => span.spanId).sort()).toEqual([...parents].sort());
    for (const client of clients) {
      expect(client.parentSpanId).toBe(server[0]!.spanId);
      expect(client.name).toBe('GET');
      expect(client.attributes['http.response.status_code']).toBe(200);
    }
    expect(app.stderr).toEqual([]);
    expect(await app.stop()).toBe(0);
  });

  it('with OTEL_SDK_DISABLED=true the incoming traceparent passes through unchanged (CommonJS)', async () => {
    app = await startAdopterApp({
      extension: 'cjs',
      source: CJS_APP,
      node,
      args: ['--require', 'dynotel/register'],
      env: { DOWNSTREAM_URL: downstreamUrl, OTEL_SDK_DISABLED: 'true' },
    });
    const traceparent = `00-${randomHex(16)}-${randomHex(8)}-01`;
    const response = await fetch(`${app.url}/disabled`, {
      headers: { 'x-request-id': 'outgoing-2', traceparent, tracestate: 'vendor=abc' },
    });
    expect(await response.json()).toEqual({ fetch: 200, get: 200 });

    const calls = received.filter((call) => call.path.endsWith('/disabled'));
    expect(calls).toHaveLength(2);
    for (const { headers } of calls) {
      expect(headers.traceparent).toBe(traceparent);
      expect(headers.tracestate).toBe('vendor=abc');
      expect(headers['x-request-id']).toBe('outgoing-2');
    }
    expect(app.stderr).toEqual([]);
    expect(await app.stop()).toBe(0);
  });
});
