import { afterEach, describe, expect, test } from 'vitest';
import { type ServerProcess, startServer } from '../../bench/lib/server-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

/**
 * Floor level 5 of the benchmarks stands for "the full target's work at its cheapest", and the bench's
 * OTLP sink accepts its requests without decoding them. So its spans must be what the target asks for,
 * checked here with a real gRPC receiver decoding the official protos: one server span per request,
 * with the ids the access line names, real times, and the nine attributes of dynotel's server span.
 */
const BATCH = 512;

let server: ServerProcess | undefined;
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await server?.stop();
  await receiver?.close();
  server = undefined;
  receiver = undefined;
});

describe('benchmark floor level 5', () => {
  for (const framework of ['fastify', 'express'] as const) {
    test(`${framework}: exports one decodable server span per request, every ${BATCH} requests`, async () => {
      receiver = await startOtlpReceiver();
      server = await startServer('floor', {
        env: {
          BENCH_FLOOR_FRAMEWORK: framework,
          BENCH_FLOOR_LEVEL: '5',
          BENCH_OTLP_ENDPOINT: receiver.grpcEndpoint,
        },
      });
      const startedNs = BigInt(Date.now()) * 1_000_000n;
      const requestIds: string[] = [];
      for (let i = 0; i < BATCH; i++) {
        const response = await fetch(`${server.url}/items/${i}?page=2`);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        requestIds.push(response.headers.get('x-request-id') ?? '');
      }
      const spans = await receiver.waitForSpans(BATCH, 10_000);
      // Taken once the spans arrived, not after the last response: the server ends a span on the
      // response's 'close', which on a loaded machine can run milliseconds after the client has read it.
      const receivedNs = BigInt(Date.now()) * 1_000_000n;
      expect(spans).toHaveLength(BATCH);
      expect(new Set(spans.map((span) => span.spanId)).size).toBe(BATCH);
      expect(spans.map((span) => span.attributes.x_request_id).sort()).toEqual([...requestIds].sort());
      const first = spans.find((span) => span.attributes.x_request_id === requestIds[0])!;
      expect(first).toMatchObject({
        scope: { name: 'floor' },
        name: 'http-request',
        kind: 2,
        parentSpanId: '',
        status: { code: 0 },
        attributes: {
          method: 'GET',
          uri: '/items/0?page=2',
          version: 'HTTP/1.1',
          'http.request.method': 'GET',
          'url.path': '/items/0',
          request_id: requestIds[0],
          'http.response.status_code': 200,
          'http.route': '/items/:id',
        },
      });
      for (const span of spans) {
        expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
        // Floor 5 writes nanoseconds from milliseconds, exact to well under a millisecond.
        expect(span.startTimeUnixNano).toBeGreaterThanOrEqual(startedNs - 2_000_000n);
        expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
        expect(span.endTimeUnixNano).toBeLessThanOrEqual(receivedNs + 2_000_000n);
      }
    });
  }
});
