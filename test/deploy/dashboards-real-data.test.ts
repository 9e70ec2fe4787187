import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createComponentMetrics,
  createFrontendMetrics,
  createFrontendStageMetrics,
  createFrontendWorkerLastMetrics,
  createMetricsRoot,
  createProcessMetrics,
  createWorkHandlerMetrics,
  type MetricsRoot,
  wallClockNanos,
} from '@dynotel/metrics';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../deploy/observability/grafana/generate.ts';
// Internal to the umbrella package (not exported): the HTTP RED metric definitions its middleware uses.
import { createHttpMetrics } from '../../packages/dynotel/src/http/http-metrics.ts';
import { requireBinaryInCi } from '../support/binaries.ts';
import { listen, type RunningServer } from '../support/http-server.ts';
import { PrometheusServer } from '../support/prometheus.ts';
import { DATASOURCES_FILE, readYaml, stackScrapeJobs } from './support.ts';

/**
 * The dashboards against what dynotel really exposes: a service built from @dynotel/metrics' standard
 * sets (component, frontend, process) and the umbrella's HTTP metrics serves live traffic, a real
 * Prometheus scrapes it with the recording rules loaded, and every panel of the Dynamo and service
 * dashboards must return data. This is what keeps metric names in dashboards and rules aligned with
 * the SDK: a renamed metric leaves a panel empty and fails here.
 */

type Panel = {
  type: string;
  title: string;
  targets?: Array<{ expr: string; exemplar?: boolean; datasource: { type: string } }>;
};
type Variable = { name: string; definition?: string; datasource?: { type: string } };
type Board = { panels: Panel[]; templating: { list: Variable[] } };

function board(file: string): Board {
  return JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Board;
}

function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replace(/\$\w+/g, '.*');
}

/**
 * Panels that cannot have data from a dynotel service alone, with the reason. Anything else must
 * return at least one series.
 */
const NEEDS_OTHER_SOURCES: Record<string, string> = {
  'DCGM GPU Utilization': 'dcgm-exporter metrics',
  'GC time by kind': 'needs a garbage collection during the test, which the test cannot force',
};

function buildService(): { root: MetricsRoot; traffic(): void } {
  const root = createMetricsRoot({ workerId: 0x694d98147d54be25n });
  const endpoint = root.namespace('dynamo').component('backend').endpoint('generate');
  const component = createComponentMetrics(endpoint, { uptimeLevel: root });
  const frontend = createFrontendMetrics(root);
  createProcessMetrics(root);
  const http = createHttpMetrics(root);
  const stages = createFrontendStageMetrics(root);
  const workers = createFrontendWorkerLastMetrics(root);
  const workHandler = createWorkHandlerMetrics(root);
  frontend.registerModel('Llama-3-8B', {
    totalKvBlocks: 4096,
    maxNumSeqs: 256,
    maxNumBatchedTokens: 8192,
    contextLength: 8192,
    kvCacheBlockSize: 16,
    migrationLimit: 3,
  });
  return {
    root,
    traffic() {
      for (let i = 0; i < 4; i++) {
        const request = component.startRequest(128);
        request.responseBytes(512);
        if (i === 3) request.error('generate');
        if (i === 2) request.cancelled();
        request.end();
      }
      const ok = frontend.startRequest('Llama-3-8B', 'chat_completions', 'stream');
      const tracker = ok.responseTracker();
      for (let chunk = 0; chunk < 5; chunk++) {
        tracker.observe({ inputTokens: 40, chunkTokens: 2, cachedTokens: 16 });
      }
      ok.markOk();
      ok.end();
      const rejected = frontend.startRequest('Llama-3-8B', 'chat_completions', 'stream');
      rejected.rejected();
      rejected.end();
      const gone = frontend.startRequest('Llama-3-8B', 'completions', 'unary');
      gone.clientDisconnected();
      gone.end();
      frontend.migration('Llama-3-8B', 'ongoing_request');
      // The pipeline stages, the per-worker last values and the work handler, as the example records them.
      for (const stage of ['preprocess', 'route', 'dispatch'] as const) {
        const timer = stages.startStage(stage, 'aggregated');
        stages.timeTokenize(() => 'tokens');
        timer.end();
      }
      stages.timeTemplate(() => 'prompt');
      stages.detokenized(35, 5);
      stages.startStage('dispatch', 'aggregated');
      workers.record(
        { workerId: 0x694d98147d54be25n },
        { timeToFirstTokenSeconds: 0.08, inputSequenceTokens: 40, interTokenLatencySeconds: 0.012 },
      );
      workHandler.receivedFrom(wallClockNanos() - 800_000n);
      workHandler.firstResponse(0.09);
      // One request stays queued and active, as a slow prefill would.
      frontend.startRequest('Llama-3-8B', 'chat_completions', 'stream');
      http.duration.labels('GET', '/v1/models', '200').observe(0.012);
      http.duration.labels('POST', '/v1/chat/completions', '500').observe(0.4);
      http.active.labels('POST').set(1);
    },
  };
}

const prometheusBinary = requireBinaryInCi('prometheus');

describe.skipIf(prometheusBinary === undefined)('dashboards on live dynotel metrics', () => {
  let server: RunningServer;
  let prometheus: PrometheusServer;
  let timer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    // Traffic runs inside a sampled span, so histogram buckets carry trace_id exemplars.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const tracer = new TracerProvider().getTracer('deploy-e2e');
    const service = buildService();
    const tracedTraffic = () =>
      tracer.startActiveSpan('request', (span) => {
        service.traffic();
        span.end();
      });
    tracedTraffic();
    timer = setInterval(tracedTraffic, 250);
    server = await listen(async (req, res) => {
      const { contentType, body } = await service.root.scrape(req.headers.accept);
      res.writeHead(200, { 'content-type': contentType }).end(body);
    });
    prometheus = await PrometheusServer.start({
      binary: prometheusBinary!,
      enableExemplars: true,
      // The stack's own job name and rule files, with the target rewritten to the loopback service.
      ...stackScrapeJobs({ 'dynamo-frontend': [server.hostPort] }),
    });
    // Rates need two scrapes, recorded quantiles one rule evaluation after that.
    await prometheus.waitFor('recorded TTFT p95', async () => {
      const samples = await prometheus.query(
        'job_model:dynamo_frontend_time_to_first_token_seconds:p95_rate5m',
      );
      return samples.length > 0 ? samples : undefined;
    });
    await prometheus.waitFor('recorded HTTP error ratio', async () => {
      const samples = await prometheus.query('job:http_server_request_errors:ratio_rate5m');
      return samples.length > 0 ? samples : undefined;
    });
  });

  afterAll(async () => {
    clearInterval(timer);
    await prometheus?.stop();
    await server?.close();
    context.disable();
    trace.disable();
  });

  async function labelValues(definition: string): Promise<string[]> {
    const match = /^label_values\((.*),\s*(\w+)\s*\)$/s.exec(definition);
    if (!match) throw new Error(`not a label_values query: ${definition}`);
    const samples = await prometheus.query(substitute(match[1]!));
    return [...new Set(samples.map((sample) => sample.metric[match[2]!]!))].sort();
  }

  it('fills the Dynamo dashboard variables with the hierarchy and the lower-cased model', async () => {
    const values: Record<string, string[]> = {};
    for (const variable of board('dynamo.json').templating.list)
      values[variable.name] = await labelValues(variable.definition!);
    expect(values).toEqual({
      namespace: ['dynamo'],
      component: ['backend'],
      endpoint: ['generate'],
      model: ['llama-3-8b'],
    });
  });

  it('fills the service dashboard variables with the job and route templates', async () => {
    const values: Record<string, string[]> = {};
    for (const variable of board('service-red.json').templating.list)
      values[variable.name] = await labelValues(variable.definition!);
    expect(values).toEqual({
      job: ['dynamo-frontend'],
      instance: [server.hostPort],
      route: ['/v1/chat/completions', '/v1/models'],
    });
  });

  const panels = ['dynamo.json', 'service-red.json'].flatMap((file) =>
    board(file)
      .panels.filter((panel) => panel.type !== 'row' && !(panel.title in NEEDS_OTHER_SOURCES))
      .flatMap((panel) =>
        (panel.targets ?? []).map((target) => [`${file} "${panel.title}"`, target.expr] as const),
      ),
  );

  it.each(panels)('%s returns data: %s', async (_where, expr) => {
    const samples = await prometheus.waitFor(
      `data for ${expr}`,
      async () => {
        const result = await prometheus.query(substitute(expr));
        return result.length > 0 ? result : undefined;
      },
      10_000,
    );
    expect(samples.length).toBeGreaterThan(0);
  });

  const exemplarPanels = ['dynamo.json', 'service-red.json'].flatMap((file) =>
    board(file).panels.flatMap((panel) =>
      (panel.targets ?? [])
        .filter((t) => t.exemplar)
        .map((t) => [`${file} "${panel.title}"`, t.expr] as const),
    ),
  );

  it('has exemplar panels', () => {
    expect(exemplarPanels.length).toBeGreaterThanOrEqual(2);
  });

  it.each(exemplarPanels)(
    '%s shows exemplars carrying the label Grafana links to Tempo',
    async (_where, expr) => {
      const datasources = readYaml<{
        datasources: Array<{
          uid: string;
          jsonData?: { exemplarTraceIdDestinations?: Array<{ name: string; datasourceUid: string }> };
        }>;
      }>(DATASOURCES_FILE).datasources;
      const destination = datasources.find((ds) => ds.uid === 'prometheus')!.jsonData!
        .exemplarTraceIdDestinations![0]!;
      expect(destination.datasourceUid).toBe('tempo');
      const exemplars = await prometheus.waitFor(
        `exemplars for ${expr}`,
        async () => {
          const found = await prometheus.exemplars(substitute(expr));
          return found.length > 0 ? found : undefined;
        },
        10_000,
      );
      for (const exemplar of exemplars) expect(exemplar.labels[destination.name]).toMatch(/^[0-9a-f]{32}$/);
    },
  );

  it('puts the error-ratio alerts in pending state on real SDK series (and not TargetDown)', async () => {
    // The traffic fails 2 of 3 frontend requests, 1 of 4 component requests and 1 of 2 HTTP requests;
    // the alerts' for: windows are minutes, so "pending" proves the expressions match the real labels.
    const expected = [
      'DynamoComponentErrorRatioHigh',
      'DynamoFrontendErrorRatioHigh',
      'DynotelHttpErrorRatioHigh',
    ];
    const pending = await prometheus.waitFor('pending alerts', async () => {
      const samples = await prometheus.query('ALERTS{alertstate="pending"}');
      const names = new Set(samples.map((sample) => sample.metric.alertname));
      return expected.every((name) => names.has(name)) ? samples : undefined;
    });
    const frontend = pending.filter((sample) => sample.metric.alertname === 'DynamoFrontendErrorRatioHigh');
    expect(frontend.map((sample) => [sample.metric.model, sample.metric.severity]).sort()).toEqual([
      ['llama-3-8b', 'critical'],
      ['llama-3-8b', 'warning'],
    ]);
    const component = pending.find((sample) => sample.metric.alertname === 'DynamoComponentErrorRatioHigh')!;
    expect(component.metric).toMatchObject({
      dynamo_namespace: 'dynamo',
      dynamo_component: 'backend',
      dynamo_endpoint: 'generate',
    });
    expect(pending.map((sample) => sample.metric.alertname)).not.toContain('DynotelTargetDown');
  });
});
