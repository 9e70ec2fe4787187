import { dashboard, promQueries, promVariable, row, stat, table, timeseries } from './builders.ts';

/**
 * Dynamo-compatible frontend and component dashboard. The first row reproduces every panel of Dynamo's
 * deploy/observability/grafana_dashboards/dynamo.json (reference §7.5) with its title, unit and
 * semantics, fixed to work: the datasource is the provisioned uid `prometheus` (Dynamo's panels point at
 * an unprovisioned uid), the hard-coded `dynamo_endpoint="generate"` becomes the endpoint variable, and
 * the empty second query of "requests / sec" is gone. Dynamo's "averages" are cumulative sum/count since
 * process start; the later rows add rate-based averages and p50/p95/p99 from the recording rules.
 */

const component =
  'dynamo_namespace=~"$namespace", dynamo_component=~"$component", dynamo_endpoint=~"$endpoint"';
const model = 'model=~"$model"';
/**
 * The dynamo_frontend_model_* gauges keep the model name as registered (Dynamo lower-cases `model` only on
 * request metrics), while $model lists the lower-cased names of dynamo_frontend_requests_total: match
 * them case-insensitively, or "Qwen/Qwen3-0.6B" never matches "qwen/qwen3-0.6b".
 */
const modelAnyCase = 'model=~"(?i)$model"';

function cumulativeAverageMs(metric: string): string {
  return `1000 * sum by (model) (${metric}_sum{${model}}) / sum by (model) (${metric}_count{${model}})`;
}

function quantileQueries(recordedPrefix: string, filter: string, legendPrefix: string) {
  return promQueries(
    [`${recordedPrefix}:p50_rate5m{${filter}}`, { legend: `${legendPrefix} p50` }],
    [`${recordedPrefix}:p95_rate5m{${filter}}`, { legend: `${legendPrefix} p95` }],
    [`${recordedPrefix}:p99_rate5m{${filter}}`, { legend: `${legendPrefix} p99` }],
    [`${recordedPrefix}:mean_rate5m{${filter}}`, { legend: `${legendPrefix} mean` }],
  );
}

const dynamoPanels = [
  row('Dynamo dashboard panels (as dynamo.json)'),
  timeseries(
    'Frontend Requests / Sec',
    promQueries([
      `sum by (model, request_type, status) (rate(dynamo_frontend_requests_total{${model}}[$__rate_interval]))`,
      { legend: '{{model}} {{request_type}}, {{status}}' },
    ]),
    { unit: 'reqps', description: 'Completed frontend requests per second (counted when the request ends).' },
  ),
  timeseries(
    'Frontend Avg Time to First Token',
    promQueries([
      cumulativeAverageMs('dynamo_frontend_time_to_first_token_seconds'),
      { legend: '{{model}}' },
    ]),
    {
      unit: 'ms',
      description:
        'Average since process start, as in Dynamo. The rate-based TTFT row shows the last 5 minutes.',
    },
  ),
  timeseries(
    'Frontend Avg Inter-Token Latency',
    promQueries([
      cumulativeAverageMs('dynamo_frontend_inter_token_latency_seconds'),
      { legend: '{{model}}' },
    ]),
    { unit: 'ms', description: 'Average since process start, as in Dynamo.' },
  ),
  timeseries(
    'Frontend Avg Request Duration',
    promQueries([cumulativeAverageMs('dynamo_frontend_request_duration_seconds'), { legend: '{{model}}' }]),
    { unit: 'ms', description: 'Average since process start, as in Dynamo.' },
  ),
  timeseries(
    'Frontend Avg Input/Output Sequence Length',
    promQueries(
      [
        `sum by (model) (dynamo_frontend_input_sequence_tokens_sum{${model}}) / sum by (model) (dynamo_frontend_input_sequence_tokens_count{${model}})`,
        { legend: 'ISL {{model}}' },
      ],
      [
        `sum by (model) (dynamo_frontend_output_sequence_tokens_sum{${model}}) / sum by (model) (dynamo_frontend_output_sequence_tokens_count{${model}})`,
        { legend: 'OSL {{model}}' },
      ],
    ),
    { unit: 'short', description: 'Tokens per request, average since process start, as in Dynamo.' },
  ),
  timeseries(
    'DCGM GPU Utilization',
    promQueries(
      ['DCGM_FI_DEV_GPU_UTIL', { legend: 'GPU {{gpu}} {{Hostname}} utilization (%)' }],
      ['DCGM_FI_DEV_POWER_USAGE', { legend: 'GPU {{gpu}} {{Hostname}} power (W)' }],
    ),
    { description: 'From the optional dcgm-exporter job; empty without GPUs.' },
  ),
  timeseries(
    '$component bytes / sec',
    promQueries(
      [
        `sum by (dynamo_component, dynamo_endpoint) (rate(dynamo_component_response_bytes_total{${component}}[$__rate_interval]))`,
        { legend: 'Response bytes {{dynamo_component}}/{{dynamo_endpoint}}' },
      ],
      [
        `sum by (dynamo_component, dynamo_endpoint) (rate(dynamo_component_request_bytes_total{${component}}[$__rate_interval]))`,
        { legend: 'Request bytes {{dynamo_component}}/{{dynamo_endpoint}}' },
      ],
    ),
    { unit: 'Bps' },
  ),
  timeseries(
    '$component requests / sec',
    promQueries([
      `sum by (dynamo_component, dynamo_endpoint) (rate(dynamo_component_requests_total{${component}}[$__rate_interval]))`,
      { legend: '{{dynamo_component}}/{{dynamo_endpoint}}' },
    ]),
    { unit: 'reqps', description: 'Requests received by the work handler (counted on arrival).' },
  ),
  timeseries(
    '$component Avg Request Duration (seconds)',
    promQueries([
      `sum by (dynamo_component, dynamo_endpoint) (dynamo_component_request_duration_seconds_sum{${component}}) / sum by (dynamo_component, dynamo_endpoint) (dynamo_component_request_duration_seconds_count{${component}})`,
      { legend: '{{dynamo_component}}/{{dynamo_endpoint}}' },
    ]),
    { unit: 's', description: 'Average since process start, as in Dynamo.' },
  ),
  timeseries(
    '$component Avg Errors / sec',
    promQueries([
      `sum by (dynamo_component, dynamo_endpoint, error_type) (rate(dynamo_component_errors_total{${component}}[$__rate_interval]))`,
      { legend: '{{dynamo_endpoint}} {{error_type}}' },
    ]),
    { unit: 'reqps', description: 'error_type="publish_response" also counts client cancellations.' },
  ),
];

const latencyPanels = [
  row('Frontend latency (5m rate: mean, p50, p95, p99)'),
  timeseries(
    'Time to first token',
    quantileQueries('job_model:dynamo_frontend_time_to_first_token_seconds', model, '{{model}}'),
    {
      unit: 's',
      threshold: 2,
      description: 'Recording rules; the red line is the warning threshold of DynamoTimeToFirstTokenP95High.',
    },
  ),
  timeseries(
    'Inter-token latency',
    quantileQueries('job_model:dynamo_frontend_inter_token_latency_seconds', model, '{{model}}'),
    { unit: 's', threshold: 0.1, description: 'Red line: DynamoInterTokenLatencyP95High warning threshold.' },
  ),
  timeseries(
    'Request duration',
    quantileQueries('job_model:dynamo_frontend_request_duration_seconds', model, '{{model}}'),
    { unit: 's', threshold: 120, description: 'Red line: DynamoRequestDurationP99High threshold.' },
  ),
  timeseries(
    'TTFT p95 with exemplars',
    promQueries([
      `histogram_quantile(0.95, sum by (le, model) (rate(dynamo_frontend_time_to_first_token_seconds_bucket{${model}}[$__rate_interval])))`,
      { legend: '{{model}} p95', exemplar: true },
    ]),
    { unit: 's', description: 'Computed from raw buckets so exemplars (trace_id → Tempo) show as dots.' },
  ),
];

const trafficPanels = [
  row('Frontend traffic and errors'),
  timeseries(
    'Error ratio',
    promQueries([`job_model:dynamo_frontend_request_errors:ratio_rate5m{${model}}`, { legend: '{{model}}' }]),
    {
      unit: 'percentunit',
      min: 0,
      threshold: 0.05,
      description: 'status="error" / all, 5m. Red line: DynamoFrontendErrorRatioHigh warning.',
    },
  ),
  timeseries(
    'Errors / sec by error_type',
    promQueries([
      `sum by (model, error_type) (job_model_status:dynamo_frontend_requests:rate5m{${model}, status="error"})`,
      { legend: '{{model}} {{error_type}}' },
    ]),
    { unit: 'reqps' },
  ),
  timeseries(
    'Output tokens / sec',
    promQueries([`job_model:dynamo_frontend_output_tokens:rate5m{${model}}`, { legend: '{{model}}' }]),
    { unit: 'short' },
  ),
  timeseries(
    'Avg input, output and cached tokens (5m)',
    promQueries(
      [
        `sum by (model) (rate(dynamo_frontend_input_sequence_tokens_sum{${model}}[5m])) / sum by (model) (rate(dynamo_frontend_input_sequence_tokens_count{${model}}[5m]))`,
        { legend: 'ISL {{model}}' },
      ],
      [
        `sum by (model) (rate(dynamo_frontend_output_sequence_tokens_sum{${model}}[5m])) / sum by (model) (rate(dynamo_frontend_output_sequence_tokens_count{${model}}[5m]))`,
        { legend: 'OSL {{model}}' },
      ],
      [
        `sum by (model) (rate(dynamo_frontend_cached_tokens_sum{${model}}[5m])) / sum by (model) (rate(dynamo_frontend_cached_tokens_count{${model}}[5m]))`,
        { legend: 'cached {{model}}' },
      ],
    ),
  ),
  timeseries(
    'Active, queued and inflight requests',
    promQueries(
      [`sum by (model) (dynamo_frontend_active_requests{${model}})`, { legend: 'active {{model}}' }],
      [`sum by (model) (dynamo_frontend_queued_requests{${model}})`, { legend: 'queued {{model}}' }],
      [
        `sum by (model) (dynamo_frontend_inflight_requests{${model}})`,
        { legend: 'inflight (deprecated) {{model}}' },
      ],
    ),
    {
      threshold: 20,
      description:
        'queued = not yet streaming its first token (prefill included). Red line: DynamoQueueBacklog warning.',
    },
  ),
  timeseries(
    'Cancellations, rejections, migrations / sec',
    promQueries(
      [
        `sum by (model) (rate(dynamo_frontend_model_cancellation_total{${model}}[$__rate_interval]))`,
        { legend: 'cancelled {{model}}' },
      ],
      [
        `sum by (model) (rate(dynamo_frontend_model_rejection_total{${model}}[$__rate_interval]))`,
        { legend: 'rejected {{model}}' },
      ],
      [
        `sum by (model, migration_type) (rate(dynamo_frontend_model_migration_total{${model}}[$__rate_interval]))`,
        { legend: 'migrated {{migration_type}} {{model}}' },
      ],
      [
        'sum(increase(dynamo_frontend_disconnected_clients[$__rate_interval]))',
        { legend: 'disconnected clients' },
      ],
    ),
    { unit: 'short' },
  ),
  table(
    'Model configuration',
    promQueries(
      [
        `max by (model) (dynamo_frontend_model_context_length{${modelAnyCase}})`,
        { legend: 'context length' },
      ],
      [
        `max by (model) (dynamo_frontend_model_kv_cache_block_size{${modelAnyCase}})`,
        { legend: 'KV block size' },
      ],
      [
        `max by (model) (dynamo_frontend_model_total_kv_blocks{${modelAnyCase}})`,
        { legend: 'total KV blocks' },
      ],
      [`max by (model) (dynamo_frontend_model_max_num_seqs{${modelAnyCase}})`, { legend: 'max seqs' }],
      [
        `max by (model) (dynamo_frontend_model_max_num_batched_tokens{${modelAnyCase}})`,
        { legend: 'max batched tokens' },
      ],
      [
        `max by (model) (dynamo_frontend_model_migration_limit{${modelAnyCase}})`,
        { legend: 'migration limit' },
      ],
    ),
    { width: 24, height: 6, description: 'dynamo_frontend_model_* gauges, set when a worker registers.' },
  ),
];

/**
 * The panels newer Dynamo dashboards add for the frontend pipeline, the per-worker last values and the
 * work handler (lib/runtime/src/metrics/frontend_perf.rs, work_handler_perf.rs; metrics.rs L50-118).
 */
const pipelinePanels = [
  row('Frontend pipeline, workers and work handler'),
  timeseries(
    'Stage duration p95',
    promQueries([
      'histogram_quantile(0.95, sum by (le, stage) (rate(dynamo_frontend_stage_duration_seconds_bucket[$__rate_interval])))',
      { legend: '{{stage}}' },
    ]),
    { unit: 's', description: 'Time in each frontend stage: preprocess, route, dispatch.' },
  ),
  timeseries(
    'Requests in each stage',
    promQueries([
      'sum by (stage, phase) (dynamo_frontend_stage_requests)',
      { legend: '{{stage}} {{phase}}' },
    ]),
  ),
  timeseries(
    'Tokenize / template / detokenize',
    promQueries(
      [
        'rate(dynamo_frontend_tokenize_seconds_sum[$__rate_interval]) / rate(dynamo_frontend_tokenize_seconds_count[$__rate_interval])',
        { legend: 'tokenize (mean s)' },
      ],
      [
        'rate(dynamo_frontend_template_seconds_sum[$__rate_interval]) / rate(dynamo_frontend_template_seconds_count[$__rate_interval])',
        { legend: 'template (mean s)' },
      ],
      [
        // Dynamo's counter names lack `_total`; scraped as OpenMetrics the samples gain it, so match both.
        '1e-6 * sum(rate({__name__=~"dynamo_frontend_detokenize_total_us(_total)?"}[$__rate_interval])) / sum(rate({__name__=~"dynamo_frontend_detokenize_token_count(_total)?"}[$__rate_interval]))',
        { legend: 'detokenize (s per token)' },
      ],
    ),
    { unit: 's' },
  ),
  timeseries(
    'Last TTFT per worker',
    promQueries([
      'max by (worker_id, worker_type) (dynamo_frontend_worker_last_time_to_first_token_seconds)',
      { legend: '{{worker_type}} {{worker_id}}' },
    ]),
    { unit: 's' },
  ),
  timeseries(
    'Last ITL per worker',
    promQueries([
      'max by (worker_id, worker_type) (dynamo_frontend_worker_last_inter_token_latency_seconds)',
      { legend: '{{worker_type}} {{worker_id}}' },
    ]),
    { unit: 's' },
  ),
  timeseries(
    'Last ISL per worker',
    promQueries([
      'max by (worker_id, worker_type) (dynamo_frontend_worker_last_input_sequence_tokens)',
      { legend: '{{worker_type}} {{worker_id}}' },
    ]),
    { unit: 'short' },
  ),
  timeseries(
    'Work handler: network transit p95',
    promQueries([
      'histogram_quantile(0.95, sum by (le) (rate(dynamo_work_handler_network_transit_seconds_bucket[$__rate_interval])))',
      { legend: 'transit p95' },
    ]),
    {
      unit: 's',
      description: "Frontend send to worker receive (the frontend's x-frontend-send-ts-ns stamp).",
    },
  ),
  timeseries(
    'Work handler: time to first response p95',
    promQueries([
      'histogram_quantile(0.95, sum by (le) (rate(dynamo_work_handler_time_to_first_response_seconds_bucket[$__rate_interval])))',
      { legend: 'first response p95' },
    ]),
    { unit: 's' },
  ),
];

const componentPanels = [
  row('Components (namespace / component / endpoint)'),
  timeseries(
    'Request duration (5m: mean, p50, p95, p99)',
    quantileQueries(
      'endpoint:dynamo_component_request_duration_seconds',
      component,
      '{{dynamo_component}}/{{dynamo_endpoint}}',
    ),
    { unit: 's' },
  ),
  timeseries(
    'Error ratio',
    promQueries([
      `endpoint:dynamo_component_errors:ratio_rate5m{${component}}`,
      { legend: '{{dynamo_component}}/{{dynamo_endpoint}}' },
    ]),
    { unit: 'percentunit', min: 0, threshold: 0.05 },
  ),
  timeseries(
    'Inflight requests',
    promQueries([
      `sum by (dynamo_component, dynamo_endpoint) (dynamo_component_inflight_requests{${component}})`,
      { legend: '{{dynamo_component}}/{{dynamo_endpoint}}' },
    ]),
  ),
  timeseries(
    'Cancellations / sec',
    promQueries([
      `sum by (dynamo_component, dynamo_endpoint) (rate(dynamo_component_cancellation_total{${component}}[$__rate_interval]))`,
      { legend: '{{dynamo_component}}/{{dynamo_endpoint}}' },
    ]),
    { unit: 'reqps' },
  ),
  stat(
    'Worker uptime',
    promQueries(['max by (worker_id) (dynamo_component_uptime_seconds)', { legend: '{{worker_id}}' }]),
    { unit: 's', width: 24, height: 5 },
  ),
];

export function dynamoDashboard(): Record<string, unknown> {
  return dashboard({
    uid: 'dynotel-dynamo',
    title: 'Dynamo Dashboard (dynotel)',
    description:
      "Dynamo frontend and component metrics: every panel of Dynamo's dynamo.json, plus rate-based averages and percentiles.",
    tags: ['dynotel', 'dynamo'],
    variables: [
      promVariable('namespace', 'label_values(dynamo_component_requests_total, dynamo_namespace)', {
        label: 'Namespace',
      }),
      promVariable(
        'component',
        'label_values(dynamo_component_requests_total{dynamo_namespace=~"$namespace"}, dynamo_component)',
        { label: 'Component' },
      ),
      promVariable(
        'endpoint',
        'label_values(dynamo_component_requests_total{dynamo_namespace=~"$namespace", dynamo_component=~"$component"}, dynamo_endpoint)',
        { label: 'Endpoint' },
      ),
      promVariable('model', 'label_values(dynamo_frontend_requests_total, model)', { label: 'Model' }),
    ],
    panels: [...dynamoPanels, ...latencyPanels, ...trafficPanels, ...pipelinePanels, ...componentPanels],
  });
}
