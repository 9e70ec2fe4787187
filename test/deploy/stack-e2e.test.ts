/**
 * End to end: the project's Prometheus and Alertmanager configs, rule files and dashboards against the
 * real demo services. The LLM gateway and its worker (examples/llm-gateway) run as child processes on
 * loopback ports and take a bounded load (streaming and unary, with errors); a real Prometheus scrapes
 * them with a copy of deploy/observability/prometheus/prometheus.yml whose targets point at them, loads
 * the recording rules as they are and the alert rules with one `for:` shortened, and sends alerts to a
 * real Alertmanager whose webhooks post to a server in this test (stack-e2e-stack.ts lists every rewrite).
 *
 * Then every PromQL expression of every dashboard panel and every rule is sent to /api/v1/query: each
 * must parse and return data, unless stack-e2e-conditional.ts excuses it with a reason. An alert returns
 * data only while it fires, so an alert rule is checked twice: as written it must stay quiet in this
 * healthy run (except the alerts on the errors the load causes on purpose), and with its thresholds
 * relaxed (`> 2` becomes `>= -Inf`) it must return data, which proves its inputs exist under the names
 * and labels it uses. Finally the worker is killed and DynotelTargetDown must reach the webhook.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../deploy/observability/grafana/generate.ts';
import { type LoadPlan, runLoad } from '../../examples/llm-gateway/src/demo/load.ts';
import type { Service } from '../../examples/llm-gateway/src/demo/services.ts';
import { type Stack, startStack } from '../../examples/llm-gateway/src/demo/stack.ts';
import { requireBinaryInCi } from '../support/binaries.ts';
import { freePort } from '../support/free-port.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { CONDITIONAL_EXPRESSIONS, conditionalReason, metricNames } from './stack-e2e-conditional.ts';
import {
  PromApi,
  type StackProcess,
  startAlertmanager,
  startPrometheus,
  startWebhook,
  type Webhook,
} from './stack-e2e-stack.ts';
import { ALERT_RULES, RECORDING_RULES, REPO_ROOT, ruleGroups } from './support.ts';

const prometheusBinary = requireBinaryInCi('prometheus');
const alertmanagerBinary = requireBinaryInCi('prometheus-alertmanager');

const MODEL = 'Qwen/Qwen3-0.6B';
const DOCTOR = join(REPO_ROOT, 'packages', 'dynotel', 'src', 'cli', 'main.ts');

/** `dynotel doctor … --json` as a child process (killed after 20 s): exit code and report. */
async function doctor(
  ...args: string[]
): Promise<{ code: number | null; checks: Array<Record<string, string>> }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@dynotel/source', DOCTOR, 'doctor', ...args, '--json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, checks: (JSON.parse(stdout) as { checks: Array<Record<string, string>> }).checks };
}

/**
 * Alerts that fire on purpose in this run, so their expressions are not required to be quiet: the load
 * sends worker failures, overloads, unknown models and invalid requests (error ratios), and the worker
 * exports its spans to a closed port (span export failures, and the spans dropped after the retries)
 * and its log records too (OTEL_EXPORT_ENABLED turns on OTLP logs as well: each batch of the worker's
 * request lines is dropped as export_failed).
 */
const ALERTS_ON_PURPOSE = new Set([
  'DynamoFrontendErrorRatioHigh',
  'DynamoComponentErrorRatioHigh',
  'DynotelHttpErrorRatioHigh',
  'DynotelSpanExportFailing',
  'DynotelSpansDropped',
  'DynotelLogRecordsDropped',
]);

/** A short plan with every kind of request; about 10% of the requests fail. */
const PLAN: LoadPlan = {
  counts: {
    stream: 24,
    unary: 12,
    disconnect: 2,
    worker_error: 2,
    worker_error_midstream: 1,
    worker_stall: 1,
    worker_overload: 1,
    unknown_model: 1,
    invalid: 1,
  },
  concurrency: 6,
  seed: 7,
};

type Panel = { title: string; targets?: Array<{ expr: string; datasource: { type: string } }> };
type Variable = { name: string; type: string; definition?: string };
type Board = { panels: Panel[]; templating: { list: Variable[] } };

const boards = ['dynamo.json', 'service-red.json', 'self-monitoring.json', 'gpu-dcgm.json', 'kvbm.json'].map(
  (file) => [file, JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Board] as const,
);

const recordingRules = ruleGroups(RECORDING_RULES).flatMap((group) => group.rules);
const alertRules = ruleGroups(ALERT_RULES).flatMap((group) => group.rules);
const recordedExpr = new Map(recordingRules.map((rule) => [rule.record!, rule.expr]));

/** The metric names an expression reads, through the recording rules it uses. */
function sourceMetrics(expr: string, seen = new Set<string>()): string[] {
  return metricNames(expr).flatMap((name) => {
    const source = recordedExpr.get(name);
    if (source === undefined || seen.has(name)) return [name];
    seen.add(name);
    return [name, ...sourceMetrics(source, seen)];
  });
}

function excuse(expr: string): string | undefined {
  return conditionalReason(expr, sourceMetrics(expr));
}

/** Every threshold comparison becomes `>= -Inf`: the expression keeps every (non-NaN) input series. */
function relaxThresholds(expr: string): string {
  return expr.replace(/(==|!=|>=|<=|>|<)\s*-?\d+(\.\d+)?(e-?\d+)?/g, '>= -Inf');
}

/** A regex-escaped value inside a PromQL string literal, where a backslash itself is written `\\`. */
function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

function grafanaMacros(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h');
}

describe.skipIf(prometheusBinary === undefined || alertmanagerBinary === undefined)(
  'the observability stack with the demo services',
  () => {
    const services: Service[] = [];
    let stack: Stack;
    let receiver: OtlpReceiver | undefined;
    let webhook: Webhook | undefined;
    let alertmanager: StackProcess | undefined;
    let prometheus: StackProcess | undefined;
    let api: PromApi;
    /** Dashboard file → variable name → the values Grafana would offer (all of them, as "All"). */
    const variableValues = new Map<string, Map<string, string[]>>();
    /** Reasons of the conditional entries that excused an expression which indeed returned nothing. */
    const neededReasons = new Set<string>();

    beforeAll(async () => {
      receiver = await startOtlpReceiver();
      const closedPort = await freePort();
      stack = await startStack({
        env: {
          ...process.env,
          DYN_LOGGING_JSONL: '1',
          DYN_SHUTDOWN_DRAIN_DELAY: '0',
          OTEL_EXPORT_ENABLED: 'true',
          OTEL_BSP_SCHEDULE_DELAY: '200',
          OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
        },
        model: MODEL,
        // The worker's collector is down: its span export failures are part of what the panels show.
        workerEnv: {
          WORKER_TTFT_MS: '20',
          WORKER_ITL_MS: '5',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
        },
        onSpawn: (service) => services.push(service),
      });
      webhook = await startWebhook();
      alertmanager = await startAlertmanager(alertmanagerBinary!, webhook.url);
      prometheus = await startPrometheus(prometheusBinary!, {
        services: {
          'dynamo-frontend': new URL(stack.gatewayUrl).host,
          'dynamo-backend': new URL(stack.systemUrl).host,
        },
        closedPort,
        alertmanager: new URL(alertmanager.url).host,
      });
      api = new PromApi(prometheus.url);

      // Warm-up: one request of each kind creates the series, so the measured load counts in rate().
      const warmUp: LoadPlan = { ...PLAN, counts: { ...mapCounts(PLAN, 1) }, concurrency: 4 };
      await runLoad(stack.gatewayUrl, MODEL, warmUp, AbortSignal.timeout(20_000), () => {});
      await api.waitFor(
        'two scrapes of the gateway',
        'count_over_time(up{job="dynamo-frontend"}[1m]) >= 2',
        10_000,
      );
      // A client sending an x-request-id the SDK rejects (replaced by a generated id).
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${stack.gatewayUrl}/v1/models`, {
          headers: { 'x-request-id': 'not a valid id!' },
          signal: AbortSignal.timeout(5000),
        });
        await response.arrayBuffer();
      }
      await runLoad(stack.gatewayUrl, MODEL, PLAN, AbortSignal.timeout(30_000), () => {});
      // Recorded series exist one evaluation after two scrapes that saw the load.
      for (const recorded of [
        'job_model:dynamo_frontend_time_to_first_token_seconds:p95_rate5m',
        'endpoint:dynamo_component_request_duration_seconds:p95_rate5m',
        'job:http_server_request_errors:ratio_rate5m',
        'sum(rate(dynotel_span_export_failures_total[1m])) > 0',
        'sum(rate(dynotel_spans_exported_total[1m])) > 0',
      ]) {
        await api.waitFor(recorded, recorded, 15_000);
      }
      for (const [file, board] of boards) variableValues.set(file, await resolveVariables(board));
    }, 90_000);

    afterAll(async () => {
      await Promise.all(services.map((service) => service.stop(3000)));
      await prometheus?.stop();
      await alertmanager?.stop();
      await webhook?.close();
      await receiver?.close();
    }, 30_000);

    function mapCounts(plan: LoadPlan, n: number): LoadPlan['counts'] {
      return Object.fromEntries(Object.keys(plan.counts).map((kind) => [kind, n])) as LoadPlan['counts'];
    }

    async function labelValues(definition: string, values: Map<string, string[]>): Promise<string[]> {
      const match = /^label_values\((.*),\s*(\w+)\s*\)$/s.exec(definition);
      if (!match) throw new Error(`not a label_values(selector, label) query: ${definition}`);
      const samples = await api.query(substitute(match[1]!, values));
      return [
        ...new Set(samples.map((sample) => sample.metric[match[2]!]).filter((v) => v !== undefined)),
      ].sort();
    }

    /** Each variable gets every value its own query lists (Grafana's "All"), in dashboard order. */
    async function resolveVariables(board: Board): Promise<Map<string, string[]>> {
      const values = new Map<string, string[]>();
      for (const variable of board.templating.list) {
        if (variable.type !== 'query' || variable.definition === undefined) continue;
        values.set(variable.name, await labelValues(variable.definition, values));
      }
      return values;
    }

    /** Grafana's substitution of a multi-value variable in a regex matcher: (a|b), values escaped. */
    function substitute(expr: string, values: Map<string, string[]>): string {
      return grafanaMacros(expr).replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
        const list = values.get(name);
        if (list === undefined) return whole;
        // A variable without values (no exporter) matches nothing, as in Grafana.
        return list.length === 0 ? '$^' : `(${list.map(escapeRegex).join('|')})`;
      });
    }

    it('lists the demo services in the dashboard variables', () => {
      expect(Object.fromEntries(variableValues.get('dynamo.json')!)).toEqual({
        namespace: ['dynamo'],
        component: ['backend'],
        endpoint: ['generate'],
        // The gateway counts a request for an unknown model under the name the client sent.
        model: ['no-such-model', MODEL.toLowerCase()],
      });
      const service = variableValues.get('service-red.json')!;
      expect(service.get('job')).toEqual(['dynamo-backend', 'dynamo-frontend']);
      expect(service.get('route')).toEqual(expect.arrayContaining(['/v1/chat/completions', '/v1/models']));
      expect(variableValues.get('self-monitoring.json')!.get('job')).toEqual(
        expect.arrayContaining([
          'dynamo-backend',
          'dynamo-frontend',
          'prometheus',
          'alertmanager',
          'dcgm-exporter',
        ]),
      );
    });

    const panelExpressions = boards.flatMap(([file, board]) =>
      board.panels.flatMap((panel) =>
        (panel.targets ?? [])
          .filter((target) => target.datasource.type === 'prometheus')
          .map((target) => ({ file, title: panel.title, expr: target.expr })),
      ),
    );

    it('has the panels of every Prometheus dashboard', () => {
      expect(panelExpressions.length).toBeGreaterThan(100);
    });

    it.each(panelExpressions)('$file "$title" parses and returns data: $expr', async ({ file, expr }) => {
      const query = substitute(expr, variableValues.get(file)!);
      expect(await api.parseError(query)).toBeUndefined();
      const samples = await api.query(query);
      const reason = excuse(expr);
      if (reason === undefined) expect(samples.length, `no data for ${query}`).toBeGreaterThan(0);
      else if (samples.length === 0) neededReasons.add(reason);
    });

    it.each(recordingRules)('recording rule $record parses and returns data', async ({ expr, record }) => {
      expect(await api.parseError(expr)).toBeUndefined();
      const reason = excuse(expr);
      if (reason !== undefined) {
        if ((await api.query(expr)).length === 0) neededReasons.add(reason);
        return;
      }
      expect((await api.query(expr)).length, `no data for ${expr}`).toBeGreaterThan(0);
      expect((await api.query(record!)).length, `${record} was not recorded`).toBeGreaterThan(0);
    });

    const alerts = alertRules.map((rule) => ({ ...rule, severity: rule.labels?.severity ?? '' }));

    it.each(alerts)('alert $alert ($severity) parses and its inputs return data', async ({ expr }) => {
      expect(await api.parseError(expr)).toBeUndefined();
      const relaxed = relaxThresholds(expr);
      expect(relaxed).not.toBe(expr);
      expect(await api.parseError(relaxed)).toBeUndefined();
      const reason = excuse(relaxed);
      if (reason !== undefined) {
        if ((await api.query(relaxed)).length === 0) neededReasons.add(reason);
        return;
      }
      expect((await api.query(relaxed)).length, `no data for ${relaxed}`).toBeGreaterThan(0);
    });

    it.each(alerts.filter((rule) => !ALERTS_ON_PURPOSE.has(rule.alert!)))(
      'alert $alert ($severity) stays quiet in a healthy run',
      async ({ expr }) => {
        expect(await api.query(expr)).toEqual([]);
      },
    );

    it('needs every entry of the conditional list (none is stale)', () => {
      expect([...neededReasons].sort()).toEqual(CONDITIONAL_EXPRESSIONS.map((entry) => entry.reason).sort());
    });

    it('dynotel doctor passes for the worker and the gateway, with this Prometheus and the OTLP receiver', async () => {
      const worker = await doctor(stack.systemUrl, '--role', 'worker', '--prometheus', prometheus!.url);
      expect(worker.code, JSON.stringify(worker.checks)).toBe(0);
      const gateway = await doctor(
        stack.gatewayUrl,
        '--role',
        'frontend',
        '--expect',
        'http_server_request_duration_seconds',
        '--prometheus',
        prometheus!.url,
        '--otlp',
        receiver!.grpcEndpoint,
      );
      expect(gateway.code, JSON.stringify(gateway.checks)).toBe(0);
      expect(gateway.checks.map((check) => check.status)).toEqual(Array(6).fill('pass'));
    }, 30_000);

    it('sends DynotelTargetDown for the worker to the webhook when the worker dies (and not for optional exporters)', async () => {
      const worker = services.find((service) => service.name === 'worker')!;
      await worker.stop(0);
      const deadline = Date.now() + 30_000;
      let delivered: Webhook['received'][number] | undefined;
      while (Date.now() < deadline && delivered === undefined) {
        delivered = webhook!.received.find((n) =>
          n.body.alerts.some((alert) => alert.labels.alertname === 'DynotelTargetDown'),
        );
        if (delivered === undefined) await sleep(250);
      }
      expect(
        delivered,
        `no DynotelTargetDown notification; received ${JSON.stringify(webhook!.received)}`,
      ).toBeDefined();
      expect(delivered!.path).toBe('/critical');
      expect(delivered!.body).toMatchObject({ receiver: 'oncall-critical', status: 'firing' });
      const down = delivered!.body.alerts.filter((alert) => alert.labels.alertname === 'DynotelTargetDown');
      expect(down.map((alert) => [alert.labels.job, alert.labels.instance, alert.labels.service])).toEqual([
        ['dynamo-backend', new URL(stack.systemUrl).host, 'llm-worker'],
      ]);
      // The optional exporters have been down all along and never page.
      const paged = webhook!.received.flatMap((n) => n.body.alerts.map((alert) => alert.labels.job));
      expect(paged.filter((job) => job !== 'dynamo-backend' && job !== 'dynamo-frontend')).toEqual([]);

      // The doctor explains the outage from the gateway's side: its readiness check on the worker fails.
      const gateway = await doctor(stack.gatewayUrl, '--prometheus', prometheus!.url);
      expect(gateway.code).toBe(1);
      expect(gateway.checks.find((check) => check.id === 'health')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/^503: readiness checks failing: worker/),
      });
    }, 60_000);
  },
);
