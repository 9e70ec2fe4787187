/**
 * Query strings carry secrets (`?token=…`, `?api_key=…`). dynotel records request targets in the `uri`
 * span attribute (Dynamo's `http-request` field) and services log URLs in fields; by default every query
 * value is replaced by `REDACTED` (names kept). A real Express service with OTLP export to the real
 * receiver: the token is found in no span, no JSONL line and no OTLP log record. With
 * DYN_TELEMETRY_KEEP_URL_QUERY=1 the same run finds it (so the search can fail).
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { init, type Telemetry } from 'dynotel';
import { dynotel as expressMiddleware } from 'dynotel/express';
import { resetTelemetryForTests } from 'dynotel/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { LogCapture } from './log-capture.ts';

const TOKEN = 'tok3n-5ecret-9f8e7d';
const KEY = 'k3y-5ecret-1a2b3c';

let telemetry: Telemetry | undefined;
let server: Server | undefined;
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  if (server !== undefined) await new Promise((resolve) => server?.close(resolve));
  await telemetry?.shutdown('test');
  resetTelemetryForTests();
  await receiver?.close();
  telemetry = undefined;
  server = undefined;
  receiver = undefined;
});

async function run(extraEnv: Record<string, string>) {
  receiver = await startOtlpReceiver();
  const logs = new LogCapture();
  telemetry = init({
    env: {
      DYN_LOGGING_JSONL: '1',
      DYN_SHUTDOWN_DRAIN_DELAY: '0',
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      ...extraEnv,
    },
    handleSignals: false,
    logDestination: logs,
  });
  const app = express();
  app.use(expressMiddleware(telemetry));
  const t = telemetry;
  app.get('/v1/models/:id', (req, res) => {
    // The fields a handler typically logs a URL under.
    t.logger.info({ uri: req.originalUrl, url: `http://upstream:9000/v1/fetch?api_key=${KEY}` }, 'handling');
    t.logger.info({ 'url.query': `token=${TOKEN}` }, 'query only');
    res.json({ id: req.params.id });
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const response = await fetch(`http://127.0.0.1:${port}/v1/models/m1?token=${TOKEN}&model=m1&flag`);
  expect(response.status).toBe(200);
  await telemetry.tracing.forceFlush(3000);
  const spans = await receiver.waitForSpans(1);
  const records = await receiver.waitForLogRecords(2);
  const lines = logs.records();
  return { spans, records, lines };
}

describe('query-string values never reach telemetry by default', () => {
  it('redacts the token in the span uri, the JSONL lines and the OTLP log records', async () => {
    const { spans, records, lines } = await run({});
    const everything = JSON.stringify({ spans, records, lines }, (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(KEY);
    const span = spans.find((s) => s.name === 'http-request');
    expect(span?.attributes.uri).toBe('/v1/models/m1?token=REDACTED&model=REDACTED&flag');
    const handling = lines.find((line) => line.message === 'handling');
    expect(handling).toMatchObject({
      uri: '/v1/models/m1?token=REDACTED&model=REDACTED&flag',
      url: 'http://upstream:9000/v1/fetch?api_key=REDACTED',
    });
    expect(lines.find((line) => line.message === 'query only')).toMatchObject({
      'url.query': 'token=REDACTED',
    });
    const record = records.find((r) => r.body === 'handling');
    expect(record?.attributes.url).toBe('http://upstream:9000/v1/fetch?api_key=REDACTED');
  });

  it('keeps them with DYN_TELEMETRY_KEEP_URL_QUERY=1 (the opt-out, and proof the search above can fail)', async () => {
    const { spans, records, lines } = await run({ DYN_TELEMETRY_KEEP_URL_QUERY: '1' });
    expect(spans.find((s) => s.name === 'http-request')?.attributes.uri).toContain(TOKEN);
    expect(JSON.stringify(lines)).toContain(KEY);
    expect(records.find((r) => r.body === 'handling')?.attributes.url).toContain(KEY);
  });
});
