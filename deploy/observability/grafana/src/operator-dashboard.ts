import { dashboard, promQueries, promVariable, row, stat, timeseries } from './builders.ts';

/**
 * Kubernetes operator dashboard. The first row reproduces every panel of Dynamo's
 * deploy/observability/grafana_dashboards/dynamo-operator.json ("Dynamo Operator", reference §8.2) with
 * its title, query and legend verbatim, so an operator on dynotel/kubernetes and Dynamo's own operator
 * look the same; only the datasource is the provisioned uid `prometheus`. The second row is dynotel's:
 * the error and denial ratios the alerts read, requeues, p99 latencies and admission reviews rejected
 * before validation.
 */

const rt = 'resource_type=~"$resource_type"';
const ns = 'namespace=~"$namespace"';

/** Dynamo's panels: [title, kind, expr, legend] in dynamo-operator.json order. */
export const DYNAMO_OPERATOR_PANELS: ReadonlyArray<
  readonly [title: string, kind: 'timeseries' | 'stat' | 'gauge', expr: string, legend: string]
> = [
  [
    'Reconciliation Rate',
    'timeseries',
    `sum by (resource_type, result) (rate(dynamo_operator_reconcile_total{${rt}, ${ns}}[5m]))`,
    '{{resource_type}} - {{result}}',
  ],
  [
    'Reconciliation Duration (P95)',
    'timeseries',
    `histogram_quantile(0.95, sum by (resource_type, le) (rate(dynamo_operator_reconcile_duration_seconds_bucket{${rt}, ${ns}}[5m])))`,
    '{{resource_type}} p95',
  ],
  [
    'Reconciliation Errors',
    'timeseries',
    `sum by (resource_type, error_type) (rate(dynamo_operator_reconcile_errors_total{${rt}, ${ns}}[5m]))`,
    '{{resource_type}} - {{error_type}}',
  ],
  [
    'Webhook Request Rate',
    'timeseries',
    `sum by (resource_type, operation, result) (rate(dynamo_operator_webhook_requests_total{${rt}}[5m]))`,
    '{{resource_type}} - {{operation}} - {{result}}',
  ],
  [
    'Webhook Duration (P95)',
    'timeseries',
    `histogram_quantile(0.95, sum by (resource_type, le) (rate(dynamo_operator_webhook_duration_seconds_bucket{${rt}}[5m])))`,
    '{{resource_type}} p95',
  ],
  [
    'Webhook Denials',
    'timeseries',
    `sum by (resource_type, operation, reason) (rate(dynamo_operator_webhook_denials_total{${rt}}[5m]))`,
    '{{resource_type}} - {{operation}} - {{reason}}',
  ],
  [
    'Resource Inventory by State',
    'timeseries',
    `sum by (resource_type, namespace, status) (dynamo_operator_resources_total{${rt}, ${ns}})`,
    '{{resource_type}} - {{namespace}} - {{status}}',
  ],
  [
    'Resource Count by State',
    'stat',
    `sum by (resource_type, status) (dynamo_operator_resources_total{${rt}, ${ns}})`,
    '{{resource_type}} - {{status}}',
  ],
  [
    'Reconciliation Success Rate',
    'gauge',
    `100 * sum by (resource_type) (rate(dynamo_operator_reconcile_total{${rt}, result="success", ${ns}}[5m])) / sum by (resource_type) (rate(dynamo_operator_reconcile_total{${rt}, ${ns}}[5m]))`,
    '{{resource_type}}',
  ],
  [
    'Webhook Admission Success Rate',
    'gauge',
    `100 * sum by (resource_type) (rate(dynamo_operator_webhook_requests_total{${rt}, result="allowed"}[5m])) / sum by (resource_type) (rate(dynamo_operator_webhook_requests_total{${rt}}[5m]))`,
    '{{resource_type}}',
  ],
];

const UNITS: Record<string, string> = {
  'Reconciliation Rate': 'reqps',
  'Reconciliation Duration (P95)': 's',
  'Reconciliation Errors': 'reqps',
  'Webhook Request Rate': 'reqps',
  'Webhook Duration (P95)': 's',
  'Webhook Denials': 'reqps',
  'Reconciliation Success Rate': 'percent',
  'Webhook Admission Success Rate': 'percent',
};

function dynamoPanel([title, kind, expr, legend]: (typeof DYNAMO_OPERATOR_PANELS)[number]) {
  const targets = promQueries([expr, { legend }]);
  const unit = UNITS[title] ?? 'short';
  if (kind === 'timeseries') return timeseries(title, targets, { unit });
  const panel = stat(title, targets, { unit, width: kind === 'gauge' ? 12 : 24, height: 6 });
  return kind === 'stat' ? panel : { ...panel, type: 'gauge', fieldConfig: gaugeFieldConfig() };
}

function gaugeFieldConfig() {
  return {
    defaults: {
      unit: 'percent',
      min: 0,
      max: 100,
      color: { mode: 'thresholds' },
      thresholds: {
        mode: 'absolute',
        steps: [
          { color: 'red', value: null },
          { color: 'yellow', value: 90 },
          { color: 'green', value: 99 },
        ],
      },
    },
    overrides: [],
  };
}

const dynotelPanels = [
  row('dynotel: errors, denials and latency'),
  timeseries(
    'Reconcile error ratio',
    promQueries([
      `job_resource_type:dynamo_operator_reconcile_errors:ratio_rate5m{${rt}}`,
      { legend: '{{job}} {{resource_type}}' },
    ]),
    {
      unit: 'percentunit',
      min: 0,
      threshold: 0.1,
      description:
        'Share of reconciles with result="error" over 5 minutes. DynamoOperatorReconcileErrorRatioHigh fires above the red line (10%) for 15 minutes.',
    },
  ),
  timeseries(
    'Webhook denial ratio',
    promQueries([
      `job_resource_type:dynamo_operator_webhook_denials:ratio_rate5m{${rt}}`,
      { legend: '{{job}} {{resource_type}}' },
    ]),
    {
      unit: 'percentunit',
      min: 0,
      threshold: 0.5,
      description:
        'Share of admission requests denied over 5 minutes. DynamoOperatorWebhookDenialRatioHigh fires above the red line (50%) for 15 minutes.',
    },
  ),
  timeseries(
    'Reconcile errors by type (5m increase)',
    promQueries([
      `sum by (resource_type, namespace, error_type) (increase(dynamo_operator_reconcile_errors_total{${rt}, ${ns}}[5m]))`,
      { legend: '{{resource_type}} {{namespace}} {{error_type}}' },
    ]),
    {
      description:
        'not_found, already_exists, conflict, validation, bad_request, unauthorized, forbidden, timeout, server_timeout, unavailable, rate_limited, internal: the Kubernetes API status of the failed call.',
    },
  ),
  timeseries(
    'Webhook denials by reason (5m increase)',
    promQueries([
      `sum by (resource_type, operation, reason) (increase(dynamo_operator_webhook_denials_total{${rt}}[5m]))`,
      { legend: '{{resource_type}} {{operation}} {{reason}}' },
    ]),
  ),
  timeseries(
    'Requeues / sec',
    promQueries([
      `sum by (resource_type) (rate(dynamo_operator_reconcile_total{${rt}, ${ns}, result="requeue"}[$__rate_interval]))`,
      { legend: '{{resource_type}}' },
    ]),
    {
      unit: 'reqps',
      description: 'Reconciles that asked to run again (requeue, requeueAfter) without an error.',
    },
  ),
  timeseries(
    'Reconcile and webhook p99',
    promQueries(
      [
        `histogram_quantile(0.99, sum by (resource_type, le) (rate(dynamo_operator_reconcile_duration_seconds_bucket{${rt}, ${ns}}[$__rate_interval])))`,
        { legend: 'reconcile {{resource_type}}' },
      ],
      [
        `histogram_quantile(0.99, sum by (resource_type, le) (rate(dynamo_operator_webhook_duration_seconds_bucket{${rt}}[$__rate_interval])))`,
        { legend: 'webhook {{resource_type}}' },
      ],
    ),
    { unit: 's', description: "The API server's webhook timeout is 10 s by default (timeoutSeconds)." },
  ),
  timeseries(
    'Admission reviews rejected before validation',
    promQueries([
      'sum by (job, instance, reason) (rate(dynotel_admission_reviews_rejected_total[$__rate_interval]))',
      { legend: '{{instance}} {{reason}}' },
    ]),
    {
      unit: 'reqps',
      width: 24,
      description:
        'Requests answered 400 (malformed AdmissionReview), 413 (too large), 415 or 405 by dynotel/kubernetes. DynotelAdmissionReviewsRejected fires on any for 5 minutes.',
    },
  ),
];

export function operatorDashboard(): Record<string, unknown> {
  return dashboard({
    uid: 'dynotel-operator',
    title: 'Kubernetes Operator (dynotel)',
    description:
      "Reconcile loops and admission webhooks (dynamo_operator_*): every panel of Dynamo's dynamo-operator.json, plus error and denial ratios.",
    tags: ['dynotel', 'dynamo', 'kubernetes'],
    variables: [
      promVariable('namespace', 'label_values(dynamo_operator_reconcile_total, namespace)', {
        label: 'Namespace',
      }),
      promVariable('resource_type', 'label_values(dynamo_operator_resources_total, resource_type)', {
        label: 'Resource Type',
        multi: false,
      }),
    ],
    panels: [
      row('Dynamo operator dashboard panels (as dynamo-operator.json)'),
      ...DYNAMO_OPERATOR_PANELS.map(dynamoPanel),
      ...dynotelPanels,
    ],
  });
}
