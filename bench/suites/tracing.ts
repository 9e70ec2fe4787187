import { createTracing } from '@dynotel/tracing';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type MicroCase, OPS_PER_CALL, runMicroCases } from '../lib/micro.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import type { Suite } from '../lib/types.ts';

// Generous queues for both, so the figure is start+end+batching+export, not the drop path.
const BATCH = { maxQueueSize: 100_000, maxExportBatchSize: 512, scheduledDelayMillis: 100 };

export const tracingSuite: Suite = {
  name: 'tracing',
  title: 'Tracing: span start + end with OTLP/gRPC export',
  description:
    'ns per span (lower is better): start, two attributes, end, with a batch processor exporting over OTLP/gRPC to a sink in another process. The peer is OpenTelemetry JS 3.x sdk-trace with its BatchSpanProcessor and exporter-trace-otlp-grpc.',
  async run(context) {
    const sink = await startOtlpSink();
    const dynotel = createTracing({
      exportEnabled: true,
      endpoint: sink.endpoint,
      registerGlobal: false,
      batch: {
        maxQueueSize: BATCH.maxQueueSize,
        maxExportBatchSize: BATCH.maxExportBatchSize,
        scheduleDelayMs: 100,
      },
    });
    const peerProvider = new TracerProvider({
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: sink.endpoint, concurrencyLimit: 1000 }),
          ...BATCH,
        }),
      ],
    });
    const peer = peerProvider.getTracer('bench');
    const spanLoop = (tracer: typeof peer) => () => {
      for (let i = 0; i < OPS_PER_CALL; i++) {
        const span = tracer.startSpan('http-request');
        span.setAttribute('x_request_id', 'client-req-1');
        span.setAttribute('http.response.status_code', 200);
        span.end();
      }
    };
    const cases: MicroCase[] = [
      { case: 'span start+end, exported', impl: '@opentelemetry/sdk-trace', fn: spanLoop(peer) },
      { case: 'span start+end, exported', impl: 'dynotel', fn: spanLoop(dynotel.tracer) },
    ];
    try {
      return await runMicroCases(this.name, cases, context);
    } finally {
      await Promise.all([dynotel.shutdown(2000), peerProvider.shutdown()]);
      await sink.stop();
    }
  },
};
