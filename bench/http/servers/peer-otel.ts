/**
 * The stack a Node user assembles today: OpenTelemetry sdk-node with the http instrumentation (and
 * @fastify/otel for Fastify) exporting over OTLP/gRPC, prom-client counter + histogram, and pino with
 * one access line per request carrying the trace ids. Must be imported before the framework, so that
 * the http instrumentation patches `http` before the framework requires it.
 */
import { type SpanContext, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import pino from 'pino';
import { Counter, Histogram, register } from 'prom-client';
import { devNull, otlpEndpoint } from './admin.ts';

type Instrumentations = NonNullable<
  NonNullable<ConstructorParameters<typeof NodeSDK>[0]>['instrumentations']
>;

export function startPeerSdk(extra: Instrumentations = []): NodeSDK {
  const sdk = new NodeSDK({
    serviceName: 'bench',
    traceExporter: new OTLPTraceExporter({ url: otlpEndpoint() }),
    instrumentations: [new HttpInstrumentation(), ...extra],
  });
  sdk.start();
  return sdk;
}

const labelNames = ['method', 'route', 'status_code'] as const;
const requests = new Counter({
  name: 'http_requests_total',
  help: 'Requests.',
  labelNames,
  registers: [register],
});
const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Request duration.',
  labelNames,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  registers: [register],
});
// pino's asynchronous destination, the usual production choice (dynotel also batches its writes).
const logger = pino(pino.destination({ dest: devNull, sync: false }));

/** The span context active now (the http instrumentation's server span), for the access line. */
export function activeSpanContext(): SpanContext | undefined {
  return trace.getActiveSpan()?.spanContext();
}

/** prom-client counter + histogram and one pino access line, as users wire them in a response hook. */
export function recordRequest(
  method: string,
  route: string,
  status: number,
  startedAt: number,
  spanContext: SpanContext | undefined,
): void {
  const seconds = (performance.now() - startedAt) / 1000;
  const labels = { method, route, status_code: status };
  requests.inc(labels);
  duration.observe(labels, seconds);
  logger.info(
    {
      trace_id: spanContext?.traceId,
      span_id: spanContext?.spanId,
      method,
      route,
      status,
      latency_ms: seconds * 1000,
    },
    'request completed',
  );
}
