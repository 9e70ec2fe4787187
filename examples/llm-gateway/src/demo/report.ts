/** Builds the demo's summary from what the services expose themselves: /metrics, /health, logs, spans. */
import type { CollectedSpan } from './otlp-collector.ts';
import { histogramQuantile, mean, type Sample, sum, sumBy } from './prometheus-text.ts';
import type { LogLine } from './services.ts';

export interface MetricsSummary {
  readonly requests: number;
  readonly requestRatePerSecond: number;
  readonly byRequestType: Record<string, number>;
  readonly byStatus: Record<string, number>;
  readonly errorsByType: Record<string, number>;
  readonly ttftSeconds: { p50?: number | undefined; p95?: number | undefined };
  readonly itlSeconds: { p50?: number | undefined; p95?: number | undefined };
  readonly islMean: number | undefined;
  readonly oslMean: number | undefined;
  readonly outputTokens: number;
  readonly disconnectedClients: number;
  readonly rejections: number;
  readonly worker: {
    readonly requests: number;
    readonly errorsByType: Record<string, number>;
    readonly cancellations: number;
    readonly outputTokens: number;
    readonly canaries: Record<string, number>;
  };
}

export function summariseMetrics(
  gateway: readonly Sample[],
  worker: readonly Sample[],
  loadSeconds: number,
): MetricsSummary {
  const F = 'dynamo_frontend';
  const requests = sum(gateway, `${F}_requests_total`);
  return {
    requests,
    requestRatePerSecond: loadSeconds > 0 ? requests / loadSeconds : 0,
    byRequestType: sumBy(gateway, `${F}_requests_total`, 'request_type'),
    byStatus: sumBy(gateway, `${F}_requests_total`, 'status'),
    errorsByType: sumBy(gateway, `${F}_requests_total`, 'error_type', { status: 'error' }),
    ttftSeconds: {
      p50: histogramQuantile(gateway, `${F}_time_to_first_token_seconds`, 0.5),
      p95: histogramQuantile(gateway, `${F}_time_to_first_token_seconds`, 0.95),
    },
    itlSeconds: {
      p50: histogramQuantile(gateway, `${F}_inter_token_latency_seconds`, 0.5),
      p95: histogramQuantile(gateway, `${F}_inter_token_latency_seconds`, 0.95),
    },
    islMean: mean(gateway, `${F}_input_sequence_tokens`),
    oslMean: mean(gateway, `${F}_output_sequence_tokens`),
    outputTokens: sum(gateway, `${F}_output_tokens_total`),
    disconnectedClients: sum(gateway, `${F}_disconnected_clients`),
    rejections: sum(gateway, `${F}_model_rejection_total`),
    worker: {
      requests: sum(worker, 'dynamo_component_requests_total', { dynamo_endpoint: 'generate' }),
      errorsByType: sumBy(worker, 'dynamo_component_errors_total', 'error_type'),
      cancellations: sum(worker, 'dynamo_component_cancellation_total'),
      outputTokens: sum(worker, 'dynamo_component_output_tokens_total'),
      canaries: sumBy(worker, 'dynotel_canary_total', 'outcome', { endpoint: 'generate' }),
    },
  };
}

/** The log lines of both services that belong to one trace, in time order. */
export function linesOfTrace(lines: readonly LogLine[], traceId: string): LogLine[] {
  return lines
    .filter((line) => line.record.trace_id === traceId)
    .sort((a, b) => String(a.record.time).localeCompare(String(b.record.time)));
}

const SHOWN_LOG_FIELDS = [
  'time',
  'level',
  'target',
  'message',
  'trace_id',
  'span_id',
  'x_request_id',
  'status',
  'input_tokens',
  'output_tokens',
];

/** A log line with the fields worth reading in a terminal (the services write many more). */
export function trimmedLine(line: LogLine): string {
  const shown: Record<string, unknown> = {};
  for (const key of SHOWN_LOG_FIELDS) if (line.record[key] !== undefined) shown[key] = line.record[key];
  return JSON.stringify(shown);
}

/** One trace as an indented tree: `name  service  duration  attributes`. */
export function traceTree(spans: readonly CollectedSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, CollectedSpan[]>();
  for (const span of spans) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    const list = children.get(parent) ?? [];
    list.push(span);
    children.set(parent, list);
  }
  const out: string[] = [];
  const visit = (parent: string, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    for (const span of list) {
      const label = `${'  '.repeat(depth)}${depth === 0 ? '' : '└ '}${span.name}`;
      out.push(
        `${label.padEnd(28)} ${span.service.padEnd(16)} ${span.durationMs.toFixed(1).padStart(7)} ms  ${describe(span)}`,
      );
      visit(span.spanId, depth + 1);
    }
  };
  visit('', 0);
  return out;
}

function describe(span: CollectedSpan): string {
  const a = span.attributes;
  const keys = [
    'http.route',
    'http.response.status_code',
    'model',
    'ttft_ms',
    'avg_itl_ms',
    'input_tokens',
    'output_tokens',
    'endpoint',
    'x_request_id',
  ];
  return keys
    .filter((k) => a[k] !== undefined)
    .map((k) => `${k}=${String(a[k])}`)
    .join(' ');
}
