import { dashboard, promQueries, promVariable, row, stateTimeline, table, timeseries } from './builders.ts';

/**
 * Health and telemetry self-monitoring: is every target scraped, is every endpoint ready, do canaries
 * pass, and is any telemetry being dropped (spans, log lines, metric series) on the way out.
 * The dynotel_* names are the self-metrics defined in packages/{health,metrics,tracing,logging}/src.
 */

const target = 'job=~"$job", instance=~"$instance"';

const scrapePanels = [
  row('Scraping'),
  table(
    'Targets',
    promQueries(
      [`max by (job, instance) (up{${target}})`, { legend: 'up' }],
      [`max by (job, instance) (scrape_duration_seconds{${target}})`, { legend: 'scrape seconds' }],
      [`max by (job, instance) (scrape_samples_post_metric_relabeling{${target}})`, { legend: 'samples' }],
    ),
    {
      width: 24,
      description:
        'up=0: the last scrape failed (connection refused, timeout, bad status or unparsable text).',
    },
  ),
  stateTimeline('Target up', promQueries([`up{${target}}`, { legend: '{{job}} {{instance}}' }]), {
    zero: 'down',
    one: 'up',
  }),
  timeseries(
    'Samples per scrape',
    promQueries([`scrape_samples_post_metric_relabeling{${target}}`, { legend: '{{job}} {{instance}}' }]),
    {
      threshold: 10000,
      description: 'Red line: the per-process budget (docs/capacity.md, DynotelScrapeSeriesBudgetExceeded).',
    },
  ),
  timeseries(
    'New series per scrape',
    promQueries([`scrape_series_added{${target}}`, { legend: '{{job}} {{instance}}' }]),
    { description: 'Steadily above 0 means churn: a label takes new values all the time.' },
  ),
  timeseries(
    'Scrape duration',
    promQueries([`scrape_duration_seconds{${target}}`, { legend: '{{job}} {{instance}}' }]),
    { unit: 's' },
  ),
  timeseries(
    'Prometheus scrape and rule errors / sec',
    promQueries(
      [
        'sum(rate(prometheus_target_scrapes_exceeded_sample_limit_total[$__rate_interval]))',
        { legend: 'sample limit exceeded' },
      ],
      [
        'sum(rate(prometheus_target_scrapes_sample_duplicate_timestamp_total[$__rate_interval]))',
        { legend: 'duplicate timestamps' },
      ],
      [
        'sum(rate(prometheus_target_scrapes_sample_out_of_order_total[$__rate_interval]))',
        { legend: 'out of order' },
      ],
      [
        'sum(rate(prometheus_rule_evaluation_failures_total[$__rate_interval]))',
        { legend: 'rule evaluation failures' },
      ],
      [
        'sum(rate(alertmanager_notifications_failed_total[$__rate_interval]))',
        { legend: 'notifications failed' },
      ],
    ),
    { unit: 'short' },
  ),
];

const healthPanels = [
  row('Readiness and canaries'),
  stateTimeline(
    'Readiness per endpoint',
    promQueries([`dynotel_endpoint_ready{${target}}`, { legend: '{{instance}} {{endpoint}}' }]),
    { zero: 'notready', one: 'ready' },
    { description: '0 = /health answers 503 for this endpoint.' },
  ),
  timeseries(
    'Canary outcomes / sec',
    promQueries([
      `sum by (endpoint, outcome) (job_instance_endpoint_outcome:dynotel_canary:rate5m{${target}})`,
      { legend: '{{endpoint}} {{outcome}}' },
    ]),
    {
      unit: 'short',
      stack: true,
      description: 'Canaries run only on idle endpoints; none at all under steady traffic is normal.',
    },
  ),
  timeseries(
    'Readiness checks / sec by outcome',
    promQueries([
      `sum by (check, outcome) (rate(dynotel_readiness_check_total{${target}}[$__rate_interval]))`,
      { legend: '{{check}} {{outcome}}' },
    ]),
    { unit: 'short', stack: true },
  ),
  timeseries(
    'Scrapes rejected (too many concurrent)',
    promQueries([
      `sum by (instance) (rate(dynotel_scrapes_rejected_total{${target}}[$__rate_interval]))`,
      { legend: '{{instance}}' },
    ]),
    { unit: 'short' },
  ),
];

const dropPanels = [
  row('Telemetry drops'),
  timeseries(
    'Spans exported / dropped',
    promQueries(
      [
        `sum by (instance) (rate(dynotel_spans_exported_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} exported' },
      ],
      [
        `sum by (instance, reason) (job_instance_reason:dynotel_spans_dropped:rate5m{${target}})`,
        { legend: '{{instance}} dropped {{reason}}' },
      ],
    ),
    { unit: 'short' },
  ),
  timeseries(
    'Span export failures / sec',
    promQueries([
      `sum by (instance, protocol, code) (rate(dynotel_span_export_failures_total{${target}}[$__rate_interval]))`,
      { legend: '{{instance}} {{protocol}} {{code}}' },
    ]),
    {
      unit: 'short',
      description: 'Every failed attempt counts, retries included; spans are lost only when dropped.',
    },
  ),
  timeseries(
    'OTLP log records exported and dropped / sec',
    promQueries(
      [
        `sum by (instance) (rate(dynotel_log_records_exported_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} exported' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_log_records_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} dropped {{reason}}' },
      ],
    ),
    {
      unit: 'short',
      description:
        'Only with OTLP log export on: every record ends in exactly one of these (the JSONL lines on stdout are counted separately).',
    },
  ),
  timeseries(
    'Log lines dropped / sec',
    promQueries(
      [
        `sum by (instance, reason) (job_instance_reason:dynotel_log_lines_dropped:rate5m{${target}})`,
        { legend: '{{instance}} {{reason}}' },
      ],
      [
        `sum by (instance) (rate(dynotel_log_records_export_failed_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} OTLP export failed' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_log_fields_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} fields dropped: {{reason}}' },
      ],
    ),
    { unit: 'short' },
  ),
  timeseries(
    'Metric series overflow / sec by metric',
    promQueries([
      `sum by (instance, metric) (rate(dynotel_metrics_series_overflow_total{${target}}[$__rate_interval]))`,
      { legend: '{{instance}} {{metric}}' },
    ]),
    {
      unit: 'short',
      description: 'Label sets folded into the overflow series because the metric hit its series limit.',
    },
  ),
  timeseries(
    'Series and text dropped on /metrics',
    promQueries(
      [
        `sum by (instance) (rate(dynotel_metrics_duplicate_series_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} duplicate series' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_metrics_families_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} families {{reason}}' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_metrics_exposition_text_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} exposition text {{reason}}' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_metrics_foreign_lines_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} foreign lines {{reason}}' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_metrics_foreign_text_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} foreign text {{reason}}' },
      ],
      [
        `sum by (instance, kind) (rate(dynotel_metrics_callback_failures_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} callback {{kind}}' },
      ],
    ),
    { unit: 'short' },
  ),
  timeseries(
    'Recorded values dropped or truncated',
    promQueries(
      [
        `sum by (instance) (rate(dynotel_metrics_invalid_values_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} invalid values' },
      ],
      [
        `sum by (instance) (rate(dynotel_metrics_label_values_truncated_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} truncated label values' },
      ],
    ),
    { unit: 'short' },
  ),
  timeseries(
    'HTTP instrumentation',
    promQueries(
      [
        `sum by (instance) (rate(dynotel_http_request_ids_replaced_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} x-request-id replaced' },
      ],
      [
        `sum by (instance) (rate(dynotel_http_instrumentation_errors_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} instrumentation errors' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_admission_reviews_rejected_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} admission reviews rejected ({{reason}})' },
      ],
    ),
    {
      unit: 'short',
      description:
        'Inbound x-request-id values that failed validation and were replaced; failures inside the instrumentation (the request was still served); admission reviews answered 400/405/413/415 before validation (dynotel/kubernetes).',
    },
  ),
  timeseries(
    'Outgoing HTTP instrumentation',
    promQueries(
      [
        `sum by (instance) (rate(dynotel_http_client_headers_not_injected_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} calls without trace headers' },
      ],
      [
        `sum by (instance) (rate(dynotel_http_client_instrumentation_errors_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} instrumentation errors' },
      ],
    ),
    {
      unit: 'short',
      description:
        'Outgoing node:http calls whose headers were already written (headers passed as an array): traced, but without traceparent or x-request-id; failures inside the outgoing instrumentation (the call went on).',
    },
  ),
  timeseries(
    'Cluster aggregation',
    promQueries(
      [
        `sum by (instance, reason) (rate(dynotel_cluster_worker_snapshots_missed_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} snapshots missed ({{reason}})' },
      ],
      [
        `sum by (instance) (rate(dynotel_cluster_workers_retired_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} workers retired' },
      ],
      [
        `sum by (instance, reason) (rate(dynotel_cluster_series_dropped_total{${target}}[$__rate_interval]))`,
        { legend: '{{instance}} series dropped ({{reason}})' },
      ],
    ),
    {
      unit: 'short',
      description:
        "A clustered service's primary (docs/cluster.md): worker snapshots that missed a scrape's deadline or came from a worker that exited, workers whose counters joined the baseline, and worker series left out of the aggregate (a histogram whose buckets differ, a series the primary records itself).",
    },
  ),
  timeseries(
    'Collector: spans and log records failed',
    promQueries(
      [
        'sum by (exporter) (rate({__name__=~"otelcol_exporter_send_failed_spans(_total)?"}[$__rate_interval]))',
        { legend: 'spans {{exporter}}' },
      ],
      [
        'sum by (exporter) (rate({__name__=~"otelcol_exporter_send_failed_log_records(_total)?"}[$__rate_interval]))',
        { legend: 'log records {{exporter}}' },
      ],
      [
        'sum by (receiver) (rate({__name__=~"otelcol_receiver_refused_(spans|log_records)(_total)?"}[$__rate_interval]))',
        { legend: 'refused {{receiver}}' },
      ],
    ),
    {
      unit: 'short',
      description:
        'The collector between services and Tempo/Loki (job otel-collector). Name suffixes differ across collector versions.',
    },
  ),
];

export function selfMonitoringDashboard(): Record<string, unknown> {
  return dashboard({
    uid: 'dynotel-self-monitoring',
    title: 'dynotel health and telemetry self-monitoring',
    description:
      'Scrape health, readiness per endpoint, canary outcomes, and dropped spans, log lines and series.',
    tags: ['dynotel', 'health', 'self-monitoring'],
    variables: [
      promVariable('job', 'label_values(up, job)', { label: 'Job' }),
      promVariable('instance', 'label_values(up{job=~"$job"}, instance)', { label: 'Instance' }),
    ],
    panels: [...scrapePanels, ...healthPanels, ...dropPanels],
  });
}
