import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestContext } from '@dynotel/core';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { type InitOptions, init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';
import { Lines } from './support/lines.ts';
import { waitFor } from './support/zero-code-app.ts';

/**
 * Background work never runs in a request's context: the span batch that a request's span starts is
 * exported from a timer armed outside that request, so the exporter and its warnings carry no request's
 * ids (they used to carry those of whichever request queued the batch's first span).
 */
let telemetry: Telemetry | undefined;
let server: Server | undefined;
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  server = undefined;
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
  await receiver?.close();
  receiver = undefined;
});

/** A plain node:http server, instrumented by the zero-code channel only; one request to it. */
async function serveOneRequest(xRequestId: string): Promise<void> {
  server = createServer((_req, res) => {
    telemetry!.logger.info('in the handler');
    res.end('ok');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', headers: { 'x-request-id': xRequestId } }, (res) => {
      res.resume().on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

const BASE_ENV = {
  DYN_LOGGING_JSONL: '1',
  DYN_SHUTDOWN_DRAIN_DELAY: '0',
  OTEL_BSP_SCHEDULE_DELAY: '20',
};

describe('background work outside requests', () => {
  it('the exporter of a batch a request started runs without that request, and its warning carries no ids', async () => {
    const seenByExporter: unknown[] = [];
    const failing: NonNullable<InitOptions['spanExporter']> = {
      export(_spans, done) {
        seenByExporter.push({ request: getRequestContext(), span: trace.getActiveSpan() });
        // ExportResultCode.FAILED
        setTimeout(() => done({ code: 1, error: new Error('collector said no') }), 1);
      },
      shutdown: async () => {},
    };
    const lines = new Lines();
    telemetry = init({
      env: { ...BASE_ENV, OTEL_EXPORT_ENABLED: 'true' },
      handleSignals: false,
      logDestination: lines,
      spanExporter: failing,
    });
    await serveOneRequest('bg-request');
    const warning = await waitFor(() =>
      lines.json().find((line) => line.target === 'dynotel.tracing' && line.level !== 'INFO'),
    );
    expect(seenByExporter).toEqual([{ request: undefined, span: undefined }]);
    expect(warning).toBeDefined();
    for (const key of ['request_id', 'x_request_id', 'trace_id', 'span_id'])
      expect(warning).not.toHaveProperty(key);
    // The request itself was correlated: the handler line carries its ids.
    expect(lines.json().find((line) => line.message === 'in the handler')).toMatchObject({
      x_request_id: 'bg-request',
    });
  });

  it('the real OTLP exporter refused by the collector: the warning carries no ids', async () => {
    receiver = await startOtlpReceiver();
    receiver.setDefaultFault({ code: 'INVALID_ARGUMENT', message: 'refused' });
    const lines = new Lines();
    telemetry = init({
      env: {
        ...BASE_ENV,
        OTEL_EXPORT_ENABLED: 'true',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.grpcEndpoint,
      },
      handleSignals: false,
      logDestination: lines,
    });
    await serveOneRequest('bg-otlp');
    const warning = await waitFor(() =>
      lines.json().find((line) => line.target === 'dynotel.tracing' && line.level !== 'INFO'),
    );
    expect(warning).toBeDefined();
    for (const key of ['request_id', 'x_request_id', 'trace_id', 'span_id'])
      expect(warning).not.toHaveProperty(key);
  });
});
