/**
 * The dynotel demo: starts the gateway and a worker as real processes, drives a bounded synthetic load
 * through them, and prints what the services report about themselves — /metrics, /health, JSONL logs
 * that share one trace, and where the spans went. Finishes in well under a minute and always stops its
 * processes.
 *
 *   node --conditions=@dynotel/source examples/llm-gateway/src/demo/main.ts
 *
 * With OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORT_ENABLED) set, spans and logs go to that collector;
 * otherwise to an in-process OTLP collector started here. DEMO_SUMMARY_FILE=<path> also writes the
 * summary as JSON.
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_PLAN, runLoad } from './load.ts';
import { type OtlpCollector, startOtlpCollector } from './otlp-collector.ts';
import { parseSamples } from './prometheus-text.ts';
import { linesOfTrace, summariseMetrics, traceTree, trimmedLine } from './report.ts';
import { type Service, stopServicesOnSignals } from './services.ts';
import { startStack, waitUntil } from './stack.ts';

const MODEL = 'Qwen/Qwen3-0.6B';
const STARTED = performance.now();

const out = (line = '') => process.stdout.write(`${line}\n`);
const elapsed = () => `${((performance.now() - STARTED) / 1000).toFixed(1).padStart(5)}s`;
const step = (message: string) => out(`[${elapsed()}] ${message}`);
const ms = (seconds: number | undefined) =>
  seconds === undefined ? 'n/a' : `${(seconds * 1000).toFixed(1)} ms`;

async function main(): Promise<void> {
  const interrupted = new AbortController();
  stopServicesOnSignals(() => interrupted.abort());
  const services: Service[] = [];
  let collector: OtlpCollector | undefined;
  try {
    out('dynotel demo — an OpenAI-compatible gateway and a fake LLM worker, observed the Dynamo way');
    out();
    const external = externalOtlp();
    // The services' settings are the demo's own: a DYN_LOG=warn or DYN_SYSTEM_PORT from the shell must
    // not hide the log lines or ports the demo reads back. OTEL_* passes through only to an external collector.
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (/^(DYN_|WORKER_|GATEWAY_)/.test(key)) continue;
      if (key.startsWith('OTEL_') && external === undefined) continue;
      env[key] = value;
    }
    Object.assign(env, {
      DYN_LOGGING_JSONL: '1',
      DYN_LOG: 'info',
      DYN_SHUTDOWN_DRAIN_DELAY: '0',
      OTEL_EXPORT_ENABLED: 'true',
      OTEL_BSP_SCHEDULE_DELAY: env.OTEL_BSP_SCHEDULE_DELAY ?? '500',
    });
    if (external === undefined) {
      collector = await startOtlpCollector();
      env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/protobuf';
      env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.endpoint;
      step(
        `in-process OTLP collector on ${collector.endpoint} (set OTEL_EXPORTER_OTLP_ENDPOINT to use your own)`,
      );
    } else {
      step(`spans and logs go to ${external} over OTLP`);
    }

    step('starting the worker (system server, generate endpoint, canary), then the gateway…');
    const { worker, gateway, systemUrl, gatewayUrl } = await startStack({
      env,
      model: MODEL,
      onStep: step,
      onSpawn: (service) => services.push(service),
    });

    const total = Object.values(DEFAULT_PLAN.counts).reduce((a, b) => a + b, 0);
    step(
      `sending ${total} chat requests, ${DEFAULT_PLAN.concurrency} at a time (streaming and unary, some errors, some disconnects)…`,
    );
    const load = await runLoad(gatewayUrl, MODEL, DEFAULT_PLAN, interrupted.signal, (p) => {
      const statuses = Object.entries(p.byStatus)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
      step(`  ${String(p.done).padStart(3)}/${p.total} done, ${p.inFlight} in flight  ${statuses}`);
    });

    step('reading /metrics and /health back from both services…');
    const [gatewayMetrics, workerMetrics] = await Promise.all([
      text(`${gatewayUrl}/metrics`),
      text(`${systemUrl}/metrics`),
    ]);
    const metrics = summariseMetrics(
      parseSamples(gatewayMetrics),
      parseSamples(workerMetrics),
      load.durationMs / 1000,
    );
    const health = {
      gateway: await text(`${gatewayUrl}/health`),
      gatewayLive: await text(`${gatewayUrl}/live`),
      worker: await text(`${systemUrl}/health`),
    };

    // The sample request: the first streaming request that completed; its worker log line names the trace.
    const sample = load.sampleRequestId;
    const sampleLine = worker.lines.find(
      (l) => l.record.x_request_id === sample && l.record.message === 'request completed',
    );
    const traceId = typeof sampleLine?.record.trace_id === 'string' ? sampleLine.record.trace_id : undefined;

    step('stopping the services (SIGTERM: drain, flush spans and logs)…');
    await Promise.all(services.map((s) => s.stop()));
    const logLines = traceId === undefined ? [] : linesOfTrace([...gateway.lines, ...worker.lines], traceId);
    if (collector !== undefined && traceId !== undefined) {
      const c = collector;
      await waitUntil(
        () => new Set(c.spans.filter((s) => s.traceId === traceId).map((s) => s.service)).size >= 2,
        5_000,
        'the spans of the sample trace',
      ).catch(() => {});
    }
    const traceSpans = collector?.spans.filter((s) => s.traceId === traceId) ?? [];

    // ---- the summary ---------------------------------------------------------------------------------
    out();
    out('══════════════════════════════════ summary ══════════════════════════════════');
    out();
    out(
      `Load: ${load.sent} requests in ${(load.durationMs / 1000).toFixed(1)} s; client saw ${fmt(load.byStatus)}`,
    );
    out();
    out(`Gateway /metrics (dynamo_frontend_*, model="${MODEL.toLowerCase()}", endpoint="chat_completions"):`);
    out(
      `  requests          ${metrics.requests} (${metrics.requestRatePerSecond.toFixed(1)} req/s)  by type: ${fmt(metrics.byRequestType)}  by status: ${fmt(metrics.byStatus)}`,
    );
    out(`  TTFT              p50 ${ms(metrics.ttftSeconds.p50)}   p95 ${ms(metrics.ttftSeconds.p95)}`);
    out(`  ITL               p50 ${ms(metrics.itlSeconds.p50)}   p95 ${ms(metrics.itlSeconds.p95)}`);
    out(
      `  ISL / OSL (mean)  ${num(metrics.islMean)} / ${num(metrics.oslMean)} tokens   output tokens ${metrics.outputTokens}`,
    );
    out(`  errors by type    ${fmt(metrics.errorsByType)}`);
    out(
      `  disconnected clients ${metrics.disconnectedClients}   rejections (overload) ${metrics.rejections}`,
    );
    out();
    out('Worker /metrics (dynamo_component_*, dynamo_endpoint="generate"):');
    out(
      `  requests ${metrics.worker.requests}   errors by type: ${fmt(metrics.worker.errorsByType)}   cancellations ${metrics.worker.cancellations}   tokens generated ${metrics.worker.outputTokens}   canaries: ${fmt(metrics.worker.canaries)}`,
    );
    out();
    out('Health:');
    out(`  gateway /health  ${health.gateway}`);
    out(`  gateway /live    ${health.gatewayLive}`);
    out(`  worker  /health  ${health.worker}`);
    out();
    if (traceId === undefined) {
      out('Logs: no completed streaming request to follow (unexpected).');
    } else {
      out(
        `Logs of request x-request-id=${sample}: gateway and worker share trace_id ${traceId} (JSONL, fields trimmed):`,
      );
      for (const line of logLines.slice(0, 8)) out(`  ${line.service.padEnd(7)} ${trimmedLine(line)}`);
    }
    out();
    if (collector === undefined) {
      out(
        `Spans: exported over OTLP to ${external}; search trace_id ${traceId ?? '(none)'} or x_request_id=${sample ?? ''} there.`,
      );
    } else {
      const byService = countBy(collector.spans.map((s) => s.service));
      out(
        `Spans: the in-process OTLP collector received ${collector.spans.length} spans (${fmt(byService)}) and ${collector.logs.length} log records.`,
      );
      out(`  trace ${traceId ?? '(none)'}:`);
      for (const line of traceTree(traceSpans)) out(`    ${line}`);
    }
    out();
    const summary = {
      load,
      metrics,
      health,
      traceId,
      logLines: logLines.map((l) => l.record),
      spans:
        collector === undefined
          ? { exportedTo: external }
          : {
              total: collector.spans.length,
              byService: countBy(collector.spans.map((s) => s.service)),
              logRecords: collector.logs.length,
              trace: traceSpans.map(({ startNs: _, ...s }) => s),
            },
    };
    if (process.env.DEMO_SUMMARY_FILE)
      writeFileSync(process.env.DEMO_SUMMARY_FILE, JSON.stringify(summary, null, 2));
    step('done; all demo processes stopped.');
  } finally {
    await Promise.all(services.map((s) => s.stop(3000)));
    await collector?.close();
  }
}

/** Where spans go when the environment names a collector, or undefined for the in-process one. */
function externalOtlp(): string | undefined {
  const e = process.env;
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const enabled = /^(1|true|on|yes)$/i.test(e.OTEL_EXPORT_ENABLED ?? '');
  if (!endpoint && !enabled) return undefined;
  const protocol = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || e.OTEL_EXPORTER_OTLP_PROTOCOL || 'grpc';
  return `${endpoint || 'http://localhost:4317 (default)'} (${protocol})`;
}

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  return (await response.text()).trim();
}

function fmt(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k === '' ? '""' : k}=${n}`).join(' ');
}

function num(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(1);
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
