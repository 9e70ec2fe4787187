import { dashboard, promQueries, promVariable, row, table, timeseries } from './builders.ts';

/**
 * RED (rate, errors, duration) and Node.js runtime health of any dynotel service. HTTP metrics use the
 * OTel semantic-convention names as Prometheus exposes them (http_server_request_duration_seconds with
 * http_request_method, http_route, http_response_status_code); runtime metrics are the default metrics
 * of @prometheus-io/client (nodejs_*, process_*).
 */

const target = 'job=~"$job", instance=~"$instance"';
const route = 'job=~"$job", http_route=~"$route"';

const redPanels = [
  row('Requests (RED)'),
  timeseries(
    'Request rate by route',
    promQueries([
      `sum by (job, http_route) (job_route:http_server_requests:rate5m{${route}})`,
      { legend: '{{job}} {{http_route}}' },
    ]),
    {
      unit: 'reqps',
      description: 'Recording rule, 5m window. http_route is the route template, never the raw path.',
    },
  ),
  timeseries(
    'Responses by status code',
    promQueries([
      `sum by (job, http_response_status_code) (job_route:http_server_requests:rate5m{${route}})`,
      { legend: '{{job}} {{http_response_status_code}}' },
    ]),
    { unit: 'reqps', stack: true },
  ),
  timeseries(
    '5xx error ratio',
    promQueries(['job:http_server_request_errors:ratio_rate5m{job=~"$job"}', { legend: '{{job}}' }]),
    {
      unit: 'percentunit',
      min: 0,
      threshold: 0.05,
      description: 'Red line: DynotelHttpErrorRatioHigh warning threshold.',
    },
  ),
  timeseries(
    'Latency p50 / p95 / p99 by route',
    promQueries(
      [
        `job_route:http_server_request_duration_seconds:p50_rate5m{${route}}`,
        { legend: '{{http_route}} p50' },
      ],
      [
        `job_route:http_server_request_duration_seconds:p95_rate5m{${route}}`,
        { legend: '{{http_route}} p95' },
      ],
      [
        `job_route:http_server_request_duration_seconds:p99_rate5m{${route}}`,
        { legend: '{{http_route}} p99' },
      ],
    ),
    { unit: 's', threshold: 2.5, description: 'Red line: DynotelHttpLatencyP99High threshold (per job).' },
  ),
  timeseries(
    'Latency p95 with exemplars',
    promQueries([
      `histogram_quantile(0.95, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{${target}, http_route=~"$route"}[$__rate_interval])))`,
      { legend: '{{http_route}}', exemplar: true },
    ]),
    { unit: 's', description: 'From raw buckets so exemplars link to the trace in Tempo.' },
  ),
  timeseries(
    'Active requests',
    promQueries([`sum by (instance) (http_server_active_requests{${target}})`, { legend: '{{instance}}' }]),
  ),
];

const runtimePanels = [
  row('Node.js runtime'),
  timeseries(
    'CPU',
    promQueries(
      [`rate(process_cpu_user_seconds_total{${target}}[$__rate_interval])`, { legend: '{{instance}} user' }],
      [
        `rate(process_cpu_system_seconds_total{${target}}[$__rate_interval])`,
        { legend: '{{instance}} system' },
      ],
    ),
    { unit: 'percentunit', stack: true, description: 'CPU seconds per second (1 = one core busy).' },
  ),
  timeseries(
    'Memory',
    promQueries(
      [`process_resident_memory_bytes{${target}}`, { legend: '{{instance}} RSS' }],
      [`nodejs_heap_size_total_bytes{${target}}`, { legend: '{{instance}} heap total' }],
      [`nodejs_heap_size_used_bytes{${target}}`, { legend: '{{instance}} heap used' }],
      [`nodejs_external_memory_bytes{${target}}`, { legend: '{{instance}} external' }],
    ),
    { unit: 'bytes' },
  ),
  timeseries(
    'Heap spaces used',
    promQueries([`nodejs_heap_space_size_used_bytes{${target}}`, { legend: '{{instance}} {{space}}' }]),
    { unit: 'bytes', stack: true },
  ),
  timeseries(
    'Event loop lag',
    promQueries(
      [`nodejs_eventloop_lag_p50_seconds{${target}}`, { legend: '{{instance}} p50' }],
      [`nodejs_eventloop_lag_p99_seconds{${target}}`, { legend: '{{instance}} p99' }],
      [`nodejs_eventloop_lag_max_seconds{${target}}`, { legend: '{{instance}} max' }],
    ),
    { unit: 's', description: 'From perf_hooks.monitorEventLoopDelay, reset at every scrape.' },
  ),
  timeseries(
    'Event loop utilization',
    promQueries(
      [
        `rate(nodejs_eventloop_utilization_ratio_sum{${target}}[$__rate_interval]) / rate(nodejs_eventloop_utilization_ratio_count{${target}}[$__rate_interval])`,
        { legend: '{{instance}} mean' },
      ],
      [
        `histogram_quantile(0.99, sum by (instance, le) (rate(nodejs_eventloop_utilization_ratio_bucket{${target}}[$__rate_interval])))`,
        { legend: '{{instance}} p99' },
      ],
    ),
    {
      unit: 'percentunit',
      min: 0,
      max: 1,
      description: 'Share of time the loop is busy; near 1 means CPU-bound.',
    },
  ),
  timeseries(
    'GC time by kind',
    promQueries([
      `sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum{${target}}[$__rate_interval]))`,
      { legend: '{{instance}} {{kind}}' },
    ]),
    { unit: 'percentunit', stack: true, description: 'Seconds spent in GC per second.' },
  ),
  timeseries(
    'Handles, requests and file descriptors',
    promQueries(
      // Per-type gauges summed (the prom-client *_total gauges are not exposed by default); a type with
      // nothing active has no series, so an idle process falls back to 0 rather than an empty panel.
      [
        `sum by (instance) (nodejs_active_handles{${target}}) or 0 * sum by (instance) (process_start_time_seconds{${target}})`,
        { legend: '{{instance}} handles' },
      ],
      [
        `sum by (instance) (nodejs_active_requests{${target}}) or 0 * sum by (instance) (process_start_time_seconds{${target}})`,
        { legend: '{{instance}} libuv requests' },
      ],
      [`process_open_fds{${target}}`, { legend: '{{instance}} open fds' }],
    ),
  ),
  table(
    'Processes',
    promQueries(
      [`max by (job, instance, version) (nodejs_version_info{${target}})`, { legend: 'node' }],
      [`max by (job, instance) (time() - process_start_time_seconds{${target}})`, { legend: 'uptime' }],
      [
        `max by (job, instance) (changes(process_start_time_seconds{${target}}[1h]))`,
        { legend: 'restarts (1h)' },
      ],
    ),
  ),
];

export function serviceDashboard(): Record<string, unknown> {
  return dashboard({
    uid: 'dynotel-service',
    title: 'dynotel service: RED and Node.js runtime',
    description:
      'HTTP rate, errors and duration per route, and Node.js runtime health, for any dynotel service.',
    tags: ['dynotel', 'red', 'nodejs'],
    variables: [
      promVariable('job', 'label_values(http_server_request_duration_seconds_count, job)', { label: 'Job' }),
      promVariable('instance', 'label_values(up{job=~"$job"}, instance)', { label: 'Instance' }),
      promVariable(
        'route',
        'label_values(http_server_request_duration_seconds_count{job=~"$job"}, http_route)',
        {
          label: 'Route',
        },
      ),
    ],
    panels: [...redPanels, ...runtimePanels],
  });
}
