import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../deploy/observability/grafana/generate.ts';
import { DYNAMO_OPERATOR_PANELS } from '../../deploy/observability/grafana/src/operator-dashboard.ts';
import {
  admit,
  type RunningOperator,
  review,
  startOperator,
} from '../../examples/k8s-operator/test/scenario.ts';
import { requireBinaryInCi } from '../support/binaries.ts';
import { PrometheusServer } from '../support/prometheus.ts';
import { stackScrapeJobs } from './support.ts';

/**
 * The operator dashboard against a real operator: examples/k8s-operator runs as a child process against
 * the fake Kubernetes API server, keeps reconciling (successes, requeues, injected 409/404 failures) and
 * answering AdmissionReviews (allowed, denied, malformed), and a real Prometheus scrapes it as the
 * stack's `dynamo-operator` job with the recording and alert rules loaded. Every panel of operator.json
 * (Dynamo's dynamo-operator.json queries verbatim, then dynotel's) must return data, and the operator
 * alerts must go pending on the real series.
 */

type Panel = { type: string; title: string; targets?: Array<{ expr: string }> };
type Board = { panels: Panel[]; templating: { list: Array<{ name: string; definition: string }> } };

const board = JSON.parse(readFileSync(join(DASHBOARD_DIR, 'operator.json'), 'utf8')) as Board;

function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replace(/\$\w+/g, '.*');
}

const prometheusBinary = requireBinaryInCi('prometheus');

describe.skipIf(prometheusBinary === undefined)('operator dashboard on a live TypeScript operator', () => {
  let running: RunningOperator;
  let prometheus: PrometheusServer;
  let timer: NodeJS.Timeout | undefined;
  let round = 0;

  beforeAll(async () => {
    running = await startOperator();
    const { api, url } = running;
    api.put('prod', 'llama', { baseModelName: 'meta-llama/Llama-3-8B' });
    api.put('prod', 'broken', {});
    api.put('staging', 'qwen', { baseModelName: 'qwen' });
    // Each round: spec changes (reconciles that succeed, or fail once on an injected 404 and are
    // retried), a new object (a 409 on its first status update, then pending → requeue → ready), and four
    // reviews: one allowed, two denied, one malformed.
    const traffic = async () => {
      round += 1;
      // The new object's first status update conflicts; every other round the next GET of qwen is a 404.
      api.fail('staging', `model-${round}`, 'PUT', 409);
      if (round % 2 === 0) api.fail('staging', 'qwen', 'GET', 404);
      api.put('prod', 'llama', { baseModelName: 'meta-llama/Llama-3-8B', replicas: round });
      api.put('staging', 'qwen', { baseModelName: 'qwen', replicas: round });
      api.put('staging', `model-${round}`, { baseModelName: 'phi' });
      await admit(url, review('CREATE', { baseModelName: 'phi' }));
      await admit(url, review('CREATE', {}));
      await admit(url, review('UPDATE', { baseModelName: 'b' }, { baseModelName: 'a' }));
      await admit(url, { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' });
    };
    await traffic();
    timer = setInterval(() => void traffic().catch(() => {}), 300);
    prometheus = await PrometheusServer.start({
      binary: prometheusBinary!,
      ...stackScrapeJobs({ 'dynamo-operator': [new URL(url).host] }),
    });
    // Rates need two scrapes, recorded ratios one rule evaluation after that.
    for (const recorded of [
      'job_resource_type:dynamo_operator_reconcile_errors:ratio_rate5m',
      'job_resource_type:dynamo_operator_webhook_denials:ratio_rate5m',
    ]) {
      await prometheus.waitFor(recorded, async () => {
        const samples = await prometheus.query(recorded);
        return samples.length > 0 ? samples : undefined;
      });
    }
  }, 60_000);

  afterAll(async () => {
    clearInterval(timer);
    await prometheus?.stop();
    await running?.stop();
  });

  it("fills Dynamo's variables with the namespaces and the resource type", async () => {
    const values: Record<string, string[]> = {};
    for (const variable of board.templating.list) {
      const match = /^label_values\((.*),\s*(\w+)\s*\)$/.exec(variable.definition)!;
      const samples = await prometheus.query(match[1]!);
      values[variable.name] = [...new Set(samples.map((s) => s.metric[match[2]!]!))].sort();
    }
    expect(values).toEqual({ namespace: ['prod', 'staging'], resource_type: ['DynamoModel'] });
  });

  const panels = board.panels
    .filter((panel) => panel.type !== 'row')
    .flatMap((panel) => (panel.targets ?? []).map((target) => [panel.title, target.expr] as const));

  it("has every panel of Dynamo's dynamo-operator.json among them", () => {
    for (const [title, , expr] of DYNAMO_OPERATOR_PANELS) expect(panels).toContainEqual([title, expr]);
    expect(panels.length).toBeGreaterThan(DYNAMO_OPERATOR_PANELS.length);
  });

  it.each(panels)('"%s" returns data: %s', async (_title, expr) => {
    const samples = await prometheus.waitFor(
      `data for ${expr}`,
      async () => {
        const result = await prometheus.query(substitute(expr));
        // A quantile or ratio over a window without traffic is NaN: that is not data.
        const real = result.filter((sample) => !Number.isNaN(Number(sample.value[1])));
        return real.length > 0 ? real : undefined;
      },
      15_000,
    );
    expect(samples.length).toBeGreaterThan(0);
  });

  it('shows the error types, denial reasons and results the traffic produced', async () => {
    const labelsOf = async (query: string, label: string) =>
      [...new Set((await prometheus.query(query)).map((s) => s.metric[label]!))].sort();
    await prometheus.waitFor('not_found errors', async () => {
      const types = await labelsOf('dynamo_operator_reconcile_errors_total', 'error_type');
      return types.includes('not_found') ? types : undefined;
    });
    expect(await labelsOf('dynamo_operator_reconcile_errors_total', 'error_type')).toEqual([
      'conflict',
      'not_found',
    ]);
    expect(await labelsOf('dynamo_operator_reconcile_total', 'result')).toEqual([
      'error',
      'requeue',
      'success',
    ]);
    expect(await labelsOf('dynamo_operator_webhook_denials_total', 'reason')).toEqual([
      'immutable_field_changed',
      'invalid_config',
    ]);
    expect(await labelsOf('dynamo_operator_resources_total{status!="unknown"}', 'status')).toEqual(
      expect.arrayContaining(['failed', 'ready']),
    );
  });

  it('puts the operator alerts in pending state on the real series', async () => {
    const expected = [
      'DynamoOperatorReconcileErrorRatioHigh',
      'DynamoOperatorWebhookDenialRatioHigh',
      'DynotelAdmissionReviewsRejected',
    ];
    const pending = await prometheus.waitFor(
      'pending operator alerts',
      async () => {
        const samples = await prometheus.query('ALERTS{alertstate="pending"}');
        const names = new Set(samples.map((sample) => sample.metric.alertname));
        if (expected.every((name) => names.has(name))) return samples;
        throw new Error(
          `pending: ${[...names].join(', ')}; ratios: ${JSON.stringify(await prometheus.query('{__name__=~"job_resource_type:.*ratio.*"}'))}`,
        );
      },
      20_000,
    );
    const denial = pending.find((s) => s.metric.alertname === 'DynamoOperatorWebhookDenialRatioHigh')!;
    expect(denial.metric).toMatchObject({
      job: 'dynamo-operator',
      resource_type: 'DynamoModel',
      severity: 'warning',
    });
    const rejected = pending.find((s) => s.metric.alertname === 'DynotelAdmissionReviewsRejected')!;
    expect(rejected.metric).toMatchObject({ job: 'dynamo-operator', reason: 'malformed' });
  });
});
