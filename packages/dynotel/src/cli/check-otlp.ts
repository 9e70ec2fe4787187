/**
 * Sends one test span through the same OTLP exporter the services use (@dynotel/tracing, one attempt,
 * bounded by the timeout) and reads the outcome from the exporter's own self-metrics: spans exported,
 * failed attempts by status code, spans dropped by reason.
 */
import { type DiagnosticRecord, diag, isDynotelError, otlpSignalEndpoint, selfMetrics } from '@dynotel/core';
import { createTracing } from '@dynotel/tracing';
import type { OtlpProtocolName } from './args.ts';
import type { CheckResult } from './report.ts';

type Counts = Map<string, number>;

/** name{labels} → value of the tracing self-metrics, to diff before and after the export. */
function snapshot(): Counts {
  const counts: Counts = new Map();
  for (const family of selfMetrics.collect()) {
    if (!family.name.startsWith('dynotel_span')) continue;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(',');
      counts.set(`${family.name}{${labels}}`, sample.value);
    }
  }
  return counts;
}

function increases(before: Counts, after: Counts, prefix: string): string[] {
  const found: string[] = [];
  for (const [key, value] of after) {
    if (key.startsWith(`${prefix}{`) && value > (before.get(key) ?? 0)) found.push(key.slice(prefix.length));
  }
  return found;
}

export async function checkOtlp(
  endpoint: URL,
  protocol: OtlpProtocolName,
  timeoutMs: number,
): Promise<CheckResult> {
  const id = 'otlp.export';
  const title = `OTLP endpoint accepts a span (${protocol})`;
  const diagnostics: DiagnosticRecord[] = [];
  diag.setSink((record) => diagnostics.push(record));
  const before = snapshot();
  let tracing: ReturnType<typeof createTracing> | undefined;
  try {
    tracing = createTracing({
      exportEnabled: true,
      // A URL with a path is the full traces URL (as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); without one it
      // is the collector's base URL (as OTEL_EXPORTER_OTLP_ENDPOINT). Core's rule resolves either.
      endpoint: otlpSignalEndpoint({
        signal: 'traces',
        protocol,
        ...(endpoint.pathname !== '/' ? { specific: endpoint.href } : { generic: endpoint.origin }),
      }),
      protocol,
      timeoutMs,
      retry: { maxAttempts: 1 },
      serviceName: 'dynotel-doctor',
      registerGlobal: false,
      batch: { scheduleDelayMs: 10, exportTimeoutMs: timeoutMs },
    });
    tracing.tracer.startSpan('dynotel-doctor test span').end();
    await tracing.forceFlush(timeoutMs + 500);
  } catch (error) {
    return {
      id,
      title,
      status: 'fail',
      detail: isDynotelError(error) ? error.message : String(error),
      fix: 'pass the collector URL, e.g. http://localhost:4317 (grpc) or http://localhost:4318 (http/protobuf)',
    };
  } finally {
    await tracing?.shutdown(500).catch(() => {});
    diag.setSink(undefined);
  }
  const after = snapshot();
  if (increases(before, after, 'dynotel_spans_exported_total').length > 0) {
    return { id, title, status: 'pass', detail: `${endpoint.href} acknowledged a test span` };
  }
  const failures = increases(before, after, 'dynotel_span_export_failures_total');
  const drops = increases(before, after, 'dynotel_spans_dropped_total');
  const message = diagnostics.find((record) => record.level === 'warn' || record.level === 'error')?.message;
  const observed = [
    failures.length > 0 ? `failed attempt ${failures.join(' ')}` : undefined,
    drops.length > 0 ? `dropped ${drops.join(' ')}` : undefined,
    message,
  ].filter((part) => part !== undefined);
  return {
    id,
    title,
    status: 'fail',
    detail: observed.length > 0 ? observed.join('; ') : `no acknowledgement within ${timeoutMs} ms`,
    fix: otlpFix(failures.join(' '), endpoint, protocol),
  };
}

function otlpFix(failures: string, endpoint: URL, protocol: OtlpProtocolName): string {
  if (failures.includes('code=NETWORK') || failures.includes('code=UNAVAILABLE')) {
    return `nothing accepts OTLP at ${endpoint.host}: is the collector running, and is this its ${protocol} port (4317 for grpc, 4318 for http/protobuf)? Services read it from OTEL_EXPORTER_OTLP_ENDPOINT`;
  }
  if (
    failures.includes('code=UNIMPLEMENTED') ||
    failures.includes('code=HTTP_404') ||
    failures.includes('code=HTTP_415')
  ) {
    return 'the endpoint speaks another protocol or path: grpc goes to port 4317, http/protobuf to 4318 at /v1/traces (set OTEL_EXPORTER_OTLP_PROTOCOL to match)';
  }
  if (/code=(UNAUTHENTICATED|PERMISSION_DENIED|HTTP_401|HTTP_403)/.test(failures)) {
    return 'the collector refuses the credentials: set OTEL_EXPORTER_OTLP_HEADERS (e.g. authorization=Bearer …)';
  }
  return `the collector did not accept the span within the timeout: check its logs, or raise --timeout (services: OTEL_EXPORTER_OTLP_TIMEOUT)`;
}
