import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  encodeExportRequest,
  type OtlpReceiver,
  startOtlpReceiver,
} from '../../../test/support/otlp-receiver.ts';

// The shared OTLP receiver (test/support) on its own: log requests over both transports, scripted
// faults, going down and up. The span path is covered by the export tests.

let receiver: OtlpReceiver;
let client: grpc.Client | undefined;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  client?.close();
  client = undefined;
  await receiver.close();
});

const LOGS_REQUEST = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'worker' } }] },
      scopeLogs: [
        {
          scope: { name: 'dynotel', version: '1' },
          logRecords: [
            {
              timeUnixNano: '1700000000000000000',
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: 'request received' },
              attributes: [
                { key: 'request_id', value: { stringValue: 'r-1' } },
                { key: 'tokens', value: { intValue: 12 } },
              ],
              traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
              spanId: Buffer.from('b7ad6b7169203331', 'hex'),
            },
          ],
        },
      ],
    },
  ],
};

function grpcExport(body: Uint8Array, deadlineMs = 2000): Promise<grpc.ServiceError | null> {
  client ??= new grpc.Client(`127.0.0.1:${receiver.grpcPort}`, grpc.credentials.createInsecure());
  const passThrough = (value: Buffer): Buffer => value;
  return new Promise((resolve) => {
    client?.makeUnaryRequest(
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      passThrough,
      passThrough,
      Buffer.from(body),
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error) => resolve(error),
    );
  });
}

function httpExport(body: Uint8Array): Promise<Response> {
  return fetch(`${receiver.httpEndpoint}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
}

test('log records sent over gRPC and HTTP are decoded and flattened', async () => {
  const body = encodeExportRequest('logs', LOGS_REQUEST);
  expect(await grpcExport(body)).toBeNull();
  expect((await httpExport(body)).status).toBe(200);
  const records = await receiver.waitForLogRecords(2);
  expect(records[0]).toMatchObject({
    resource: { 'service.name': 'worker' },
    scope: { name: 'dynotel', version: '1' },
    timeUnixNano: 1700000000000000000n,
    severityNumber: 9,
    severityText: 'INFO',
    body: 'request received',
    attributes: { request_id: 'r-1', tokens: 12 },
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
  });
  expect(records[1]).toEqual(records[0]);
  expect(receiver.calls.map((c) => `${c.transport}/${c.signal}/${c.itemCount}`)).toEqual([
    'grpc/logs/1',
    'http/logs/1',
  ]);
  expect(receiver.logRequests).toHaveLength(2);
});

test('scripted faults answer in order, then calls are accepted; refused requests are not kept', async () => {
  const body = encodeExportRequest('logs', LOGS_REQUEST);
  receiver.script({ code: 'UNAVAILABLE', retryDelayMs: 2000 }, { code: 'INVALID_ARGUMENT' });
  const first = await grpcExport(body);
  expect(first?.code).toBe(grpc.status.UNAVAILABLE);
  expect(first?.metadata.get('grpc-status-details-bin')).toHaveLength(1);
  const second = await httpExport(body);
  expect(second.status).toBe(400);
  expect(await grpcExport(body)).toBeNull();
  expect(receiver.calls.map((c) => c.outcome)).toEqual(['UNAVAILABLE', 'INVALID_ARGUMENT', 'OK']);
  expect(receiver.logRecords()).toHaveLength(1);

  receiver.script({ code: 'UNAVAILABLE', retryDelayMs: 2000 });
  const throttled = await httpExport(body);
  expect(throttled.status).toBe(503);
  expect(throttled.headers.get('retry-after')).toBe('2');
});

test('a hanging call is cut off when the receiver goes down; it answers again after goUp on the same ports', async () => {
  const body = encodeExportRequest('logs', LOGS_REQUEST);
  const { grpcPort, httpPort } = receiver;
  receiver.script({ hang: true });
  const hanging = grpcExport(body, 5000);
  await receiver.waitForCalls(1);
  await receiver.goDown();
  expect(receiver.isUp).toBe(false);
  const error = await hanging;
  expect([grpc.status.CANCELLED, grpc.status.UNAVAILABLE]).toContain(error?.code);
  await expect(httpExport(body)).rejects.toThrow();

  await receiver.goUp();
  expect([receiver.grpcPort, receiver.httpPort]).toEqual([grpcPort, httpPort]);
  expect((await httpExport(body)).status).toBe(200);
  await receiver.waitForLogRecords(1);
});

test('waitForSpans rejects with a summary when nothing arrives in time', async () => {
  await expect(receiver.waitForSpans(1, 50)).rejects.toThrow(/timed out after 50 ms waiting for 1 spans/);
});
