/**
 * The PromQL expressions of the dashboards and rules that may return no data in the end-to-end test
 * (stack-e2e.test.ts), each with the reason. Every other panel expression, recording rule and alert rule
 * (with its thresholds relaxed) must return data there. docs/observability-stack.md points here.
 *
 * An entry matches an expression by the metric names it reads (`metrics` matches one of them) or by its
 * text (`expr`). Keep this list short; every entry says what is missing.
 */
export interface ConditionalExpression {
  /** Matches a metric name the expression reads. */
  readonly metrics?: RegExp;
  /** Matches the expression text (for a selector, not a whole metric). */
  readonly expr?: RegExp;
  readonly reason: string;
}

export const CONDITIONAL_EXPRESSIONS: readonly ConditionalExpression[] = [
  {
    metrics: /^DCGM_FI_/,
    reason: 'GPU panels need the dcgm-exporter (an NVIDIA GPU); the test machine has none',
  },
  {
    metrics: /^kvbm_/,
    reason: "KVBM panels need Dynamo's KV block manager; the example has no KV cache tiers",
  },
  {
    metrics: /^otelcol_/,
    reason: 'collector panels need the OpenTelemetry Collector, which the test does not run',
  },
  {
    metrics:
      /^dynamo_frontend_(model_total_kv_blocks|model_max_num_batched_tokens|model_migration_limit|model_migration_total|cached_tokens_(sum|count))$/,
    reason:
      'the example worker reports no KV block count, batch-token limit or migration limit, never migrates a request and has no prefix cache (cached tokens); Dynamo sets these only when the engine reports them',
  },
  {
    metrics:
      /^dynotel_(log_lines_dropped|log_records_export_failed|scrapes_rejected|http_instrumentation_errors|metrics_(series_overflow|duplicate_series_dropped|families_dropped|exposition_text_dropped|foreign_lines_dropped|foreign_text_dropped|callback_failures|invalid_values_dropped|label_values_truncated))_total$/,
    reason:
      'failure counters of the SDK itself: a healthy run drops nothing, so queries that keep only a non-zero rate or increase return nothing (the alerts on them must stay quiet); counters declared with their label sets exist at 0 from the start, the others only after a first increment',
  },
  {
    metrics:
      /^(dynamo_operator_\w+|job_resource_type:dynamo_operator_\w+|dynotel_admission_reviews_rejected_total)$/,
    reason:
      "Kubernetes operator panels, recording rules and alerts need an operator (examples/k8s-operator on dynotel/kubernetes, or Dynamo's); the demo stack runs the LLM gateway and its worker only. operator-dashboard-real-data.test.ts runs every one of them against the example operator",
  },
  {
    expr: /dynotel_canary_total\{outcome!="success"\}/,
    reason:
      'DynotelCanaryFailing reads canaries with outcome!="success"; the worker\'s canaries all succeed (the canary panel and recording rule, which read all outcomes, must return data)',
  },
];

/** The metric names an expression reads (identifiers before `{` or a range, not functions or labels). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  // `{__name__=~"a|b"}` selectors: the alternatives of the regex, with optional groups flattened.
  for (const match of expr.matchAll(/__name__=~"([^"]+)"/g)) {
    names.add(match[1]!.replace(/\(_total\)\?/g, '_total').replace(/\((\w+)\|(\w+)\)/, '$1'));
  }
  // Drop what is not a metric name: label matchers, range durations, label lists of by/on/….
  const bare = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const operators = new Set(['and', 'or', 'unless', 'bool', 'offset', 'Inf', 'NaN']);
  for (const match of bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    const [, name, call] = match;
    if (call === undefined && !operators.has(name!)) names.add(name!);
  }
  return [...names];
}

/** The entry that excuses `expr`, if any of its metrics is conditional. */
export function conditionalReason(expr: string, extraNames: readonly string[] = []): string | undefined {
  const names = [...metricNames(expr), ...extraNames];
  return CONDITIONAL_EXPRESSIONS.find(
    (entry) =>
      (entry.metrics !== undefined && names.some((name) => entry.metrics!.test(name))) ||
      entry.expr?.test(expr) === true,
  )?.reason;
}
