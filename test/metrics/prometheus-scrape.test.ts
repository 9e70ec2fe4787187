/**
 * End to end: a real Prometheus (Debian's binary) scrapes a service exposing every standard metric set,
 * once negotiating OpenMetrics and once in text 0.0.4; PromQL sees the label sets Dynamo's dashboards
 * expect, exemplars carry the trace id, and `promtool check metrics` finds nothing to complain about.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../support/binaries.ts';
import { listen, type RunningServer } from '../support/http-server.ts';
import { PrometheusServer } from '../support/prometheus.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';
import { buildServiceMetrics, type ServiceMetrics } from './service-metrics.ts';

const prometheusBinary = requireBinaryInCi('prometheus');
const promtoolBinary = requireBinaryInCi('promtool');

describe.skipIf(prometheusBinary === undefined)('a real Prometheus scraping dynotel metrics', () => {
  let service: ServiceMetrics;
  let openMetricsServer: RunningServer;
  let textServer: RunningServer;
  let prometheus: PrometheusServer;
  let traceId = '';

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const tracer = new TracerProvider().getTracer('e2e');
    service = buildServiceMetrics();
    // Traffic inside a span, so the OpenMetrics exemplars carry its ids.
    tracer.startActiveSpan('request', (span) => {
      traceId = span.spanContext().traceId;
      service.simulateTraffic();
      span.end();
    });
    // One listener honours the Accept header (Prometheus asks for OpenMetrics first), one always
    // answers text 0.0.4, so both encoders are scraped for real.
    openMetricsServer = await listen(async (req, res) => {
      const { contentType, body } = await service.root.scrape(req.headers.accept);
      res.writeHead(200, { 'content-type': contentType }).end(body);
    });
    textServer = await listen(async (_req, res) => {
      const { contentType, body } = await service.root.scrape(undefined);
      res.writeHead(200, { 'content-type': contentType }).end(body);
    });
    prometheus = await PrometheusServer.start({
      binary: prometheusBinary!,
      enableExemplars: true,
      jobs: [
        { jobName: 'openmetrics', targets: [openMetricsServer.hostPort] },
        { jobName: 'text', targets: [textServer.hostPort] },
      ],
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await openMetricsServer?.close();
    await textServer?.close();
    context.disable();
  });

  it('scrapes both formats with up == 1 and no scrape error', async () => {
    const up = await prometheus.waitFor('both targets up', async () => {
      const samples = await prometheus.query('up == 1');
      return samples.length === 2 ? samples : undefined;
    });
    expect(up.map((s) => s.metric.job).sort()).toEqual(['openmetrics', 'text']);
    const targets = await prometheus.targets();
    for (const target of targets) {
      expect(target, target.scrapeUrl).toMatchObject({ health: 'up', lastError: '' });
    }
  });

  it.each(['openmetrics', 'text'])('exposes component metrics with Dynamo auto-labels (%s)', async (job) => {
    const samples = await prometheus.waitFor('component requests', async () => {
      const result = await prometheus.query(`dynamo_component_requests_total{job="${job}"}`);
      return result.length > 0 ? result : undefined;
    });
    expect(samples).toHaveLength(1);
    expect(samples[0]!.metric).toMatchObject({
      __name__: 'dynamo_component_requests_total',
      dynamo_namespace: 'dynamo',
      dynamo_component: 'backend',
      dynamo_endpoint: 'generate',
      worker_id: '694d98147d54be25',
    });
    expect(Number(samples[0]!.value[1])).toBe(service.expected.componentRequests);
    const errors = await prometheus.query(
      `sum by (error_type) (dynamo_component_errors_total{job="${job}"})`,
    );
    expect(errors.map((s) => s.metric.error_type)).toEqual(['generate']);
    const uptime = await prometheus.query(`dynamo_component_uptime_seconds{job="${job}"}`);
    expect(uptime).toHaveLength(1);
    expect(uptime[0]!.metric).toEqual({
      __name__: 'dynamo_component_uptime_seconds',
      instance: expect.any(String),
      job,
      worker_id: '694d98147d54be25',
    });
  });

  it.each(['openmetrics', 'text'])('answers the frontend PromQL of Dynamo dashboards (%s)', async (job) => {
    await prometheus.waitFor('frontend requests', async () => {
      const result = await prometheus.query(`dynamo_frontend_requests_total{job="${job}"}`);
      return result.length > 0 ? result : undefined;
    });
    const byStatus = await prometheus.query(
      `sum by (model, endpoint, request_type, status, error_type) (dynamo_frontend_requests_total{job="${job}"})`,
    );
    expect(byStatus.map((s) => s.metric).sort((a, b) => a.status!.localeCompare(b.status!))).toEqual(
      [
        {
          model: 'llama-3-8b',
          endpoint: 'chat_completions',
          request_type: 'stream',
          status: 'error',
          error_type: 'overload',
        },
        {
          model: 'llama-3-8b',
          endpoint: 'chat_completions',
          request_type: 'stream',
          status: 'success',
          error_type: '',
        },
      ].map((labels) => Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''))),
    );
    const ttft = await prometheus.query(
      `histogram_quantile(0.5, sum by (le, model) (dynamo_frontend_time_to_first_token_seconds_bucket{job="${job}"}))`,
    );
    expect(ttft).toHaveLength(1);
    expect(ttft[0]!.metric).toEqual({ model: 'llama-3-8b' });
    expect(Number(ttft[0]!.value[1])).toBeGreaterThan(0);
    for (const name of [
      'dynamo_frontend_inter_token_latency_seconds_count',
      'dynamo_frontend_input_sequence_tokens_count',
      'dynamo_frontend_output_sequence_tokens_count',
      'dynamo_frontend_output_tokens_total',
      'dynamo_frontend_inflight_requests',
      'dynamo_frontend_queued_requests',
    ]) {
      const result = await prometheus.query(`${name}{job="${job}"}`);
      expect(result, name).toHaveLength(1);
      expect(result[0]!.metric.model, name).toBe('llama-3-8b');
    }
  });

  it.each(['openmetrics', 'text'])('keeps foreign engine text, filtered and labelled (%s)', async (job) => {
    const engine = await prometheus.query(`{__name__=~"vllm:.*", job="${job}"}`);
    expect(engine.map((s) => s.metric.__name__).sort()).toEqual(['vllm:num_requests_running']);
    expect(engine[0]!.metric).toMatchObject({ dynamo_namespace: 'dynamo', model: 'llama-3-8b' });
    const excluded = await prometheus.query(`{__name__=~"python_.*", job="${job}"}`);
    expect(excluded).toEqual([]);
  });

  it('exposes Node process and event-loop metrics', async () => {
    const heap = await prometheus.query('nodejs_heap_size_used_bytes{job="openmetrics"}');
    expect(heap).toHaveLength(1);
    expect(Number(heap[0]!.value[1])).toBeGreaterThan(0);
  });

  it('stores OpenMetrics exemplars carrying the trace id of the active span', async () => {
    const exemplars = await prometheus.waitFor('exemplars', async () => {
      const found = await prometheus.exemplars(
        'dynamo_component_request_duration_seconds_bucket{job="openmetrics"}',
      );
      return found.length > 0 ? found : undefined;
    });
    expect(exemplars.map((e) => e.labels.trace_id)).toContain(traceId);
    expect(exemplars[0]!.labels.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it.skipIf(promtoolBinary === undefined)(
    'passes promtool check metrics for every metric dynotel names',
    async () => {
      const { body } = await service.root.scrape(undefined);
      const result = await promtoolCheckMetrics(promtoolBinary!, body);
      // The only names dynotel does not choose: the engine's own text, kept as written. The Node runtime
      // metrics are renamed lint-clean by default (DYN_METRICS_PROM_CLIENT_NAMES restores prom-client's).
      const notOurs = new Set(['vllm:num_requests_running']);
      const ours = result.output
        .split('\n')
        .filter((line) => line !== '' && !notOurs.has(line.split(' ')[0]!));
      expect(ours).toEqual([]);
    },
  );
});
