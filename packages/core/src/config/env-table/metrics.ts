import { decimal, integer, metricPrefix, truthyBoolean } from '../parsers.ts';
import type { EnvVariable, MetricsConfig } from '../types.ts';
import { envVar } from './row.ts';

const TRUTHY_ACCEPTED = '1|true|on|yes or 0|false|off|no (case-insensitive)';

export type HistogramName = keyof MetricsConfig['histograms'];
export type HistogramField = 'min' | 'max' | 'count';

/** The frontend histograms, their variable infix, and Dynamo's default layout (applied by @dynotel/metrics). */
export const HISTOGRAMS: readonly {
  readonly key: HistogramName;
  readonly infix: string;
  readonly what: string;
  readonly defaults: Readonly<Record<HistogramField, number>>;
}[] = [
  {
    key: 'requestDuration',
    infix: 'REQUEST_DURATION',
    what: 'request duration (s)',
    defaults: { min: 1, max: 512, count: 10 },
  },
  {
    key: 'inputSequence',
    infix: 'INPUT_SEQUENCE',
    what: 'input sequence length (tokens)',
    defaults: { min: 50, max: 128000, count: 12 },
  },
  {
    key: 'outputSequence',
    infix: 'OUTPUT_SEQUENCE',
    what: 'output sequence length (tokens)',
    defaults: { min: 50, max: 32000, count: 10 },
  },
  {
    key: 'ttft',
    infix: 'TTFT',
    what: 'time to first token (s)',
    defaults: { min: 0.001, max: 480, count: 18 },
  },
  { key: 'itl', infix: 'ITL', what: 'inter-token latency (s)', defaults: { min: 0.001, max: 2, count: 13 } },
];

const FIELDS: readonly HistogramField[] = ['min', 'max', 'count'];

export function histogramVariableName(infix: string, field: HistogramField, doubled: boolean): string {
  return `${doubled ? 'DYN_HISTOGRAM_' : ''}DYN_METRICS_${infix}_${field.toUpperCase()}`;
}

function histogramRows(doubled: boolean): Record<string, EnvVariable<number | undefined>> {
  const rows: Record<string, EnvVariable<number | undefined>> = {};
  for (const histogram of HISTOGRAMS) {
    for (const field of FIELDS) {
      const name = histogramVariableName(histogram.infix, field, doubled);
      const primary = histogramVariableName(histogram.infix, field, false);
      const isCount = field === 'count';
      rows[name] = envVar<number | undefined>({
        name,
        group: 'metrics',
        type: isCount ? 'int' : 'float',
        default: `${histogram.defaults[field]} (applied by @dynotel/metrics)`,
        accepted: isCount
          ? 'an integer from 1 to 512'
          : `a finite number > 0${field === 'max' ? ', above MIN' : ''}`,
        description: doubled
          ? `Dynamo's doubled spelling of ${primary}, read when that one is unset.`
          : `${field === 'count' ? 'Bucket count' : field === 'min' ? 'Smallest bucket bound' : 'Largest bucket bound'} of the ${histogram.what} histogram (log-spaced buckets). One invalid value makes all three of this histogram fall back.`,
        source: 'dynamo',
        keys: [`metrics.histograms.${histogram.key}.${field}`],
        parse: isCount ? integer(1, 512) : decimal({ min: 0, max: Number.MAX_VALUE, exclusiveMin: true }),
        fallback: undefined,
      });
    }
  }
  return rows;
}

export const METRICS_VARIABLES = {
  DYN_METRICS_PREFIX: envVar({
    name: 'DYN_METRICS_PREFIX',
    group: 'metrics',
    type: 'metric-prefix',
    default: 'dynamo_frontend',
    accepted:
      'a metric-name prefix; characters outside [a-zA-Z0-9_:] become _, a leading digit gets _ prepended',
    description:
      'Prefix of the frontend metric set. Sanitised like a metric name (as Dynamo does); a value with nothing left but underscores falls back.',
    source: 'dynamo',
    keys: ['metrics.prefix'],
    parse: metricPrefix,
    fallback: 'dynamo_frontend',
  }),
  DYN_METRICS_SERIES_LIMIT: envVar({
    name: 'DYN_METRICS_SERIES_LIMIT',
    group: 'metrics',
    type: 'int',
    default: '2000',
    accepted: 'an integer >= 0 (0 = no limit)',
    description:
      'Most label combinations (series) one metric may hold; new series past it are dropped and counted in a self-metric, so a label with unbounded values cannot exhaust memory.',
    source: 'dynotel',
    keys: ['metrics.seriesLimit'],
    parse: integer(0, Number.MAX_SAFE_INTEGER),
    fallback: 2000,
  }),
  DYN_METRICS_LABEL_VALUE_MAX_LENGTH: envVar({
    name: 'DYN_METRICS_LABEL_VALUE_MAX_LENGTH',
    group: 'metrics',
    type: 'int',
    default: '256',
    accepted: 'an integer from 1 to 65536',
    description: 'Label values longer than this many characters are truncated.',
    source: 'dynotel',
    keys: ['metrics.labelValueMaxLength'],
    parse: integer(1, 65_536),
    fallback: 256,
  }),
  DYN_METRICS_FOREIGN_TEXT_MAX_BYTES: envVar({
    name: 'DYN_METRICS_FOREIGN_TEXT_MAX_BYTES',
    group: 'metrics',
    type: 'int',
    default: '16777216 (16 MiB)',
    accepted: 'an integer from 1 to 1073741824 (bytes)',
    description:
      'Largest exposition text one source (engine metrics, the runtime metrics, any exposition callback) may return per scrape, in UTF-8 bytes; a longer text is left out of the scrape whole and counted in dynotel_metrics_exposition_text_dropped_total{reason="too_large"}.',
    source: 'dynotel',
    keys: ['metrics.foreignTextMaxBytes'],
    parse: integer(1, 1_073_741_824),
    fallback: 16_777_216,
  }),
  DYN_METRICS_PROM_CLIENT_NAMES: envVar({
    name: 'DYN_METRICS_PROM_CLIENT_NAMES',
    group: 'metrics',
    type: 'bool-truthy',
    default: 'false',
    accepted: TRUTHY_ACCEPTED,
    description:
      "Node runtime metrics under prom-client's names (nodejs_active_handles_total and the other *_total gauges, nodejs_eventloop_utilization_histogram and _summary), which promtool check metrics warns about. Off: lint-clean names (nodejs_eventloop_utilization_ratio; the *_total gauges and the summary are left out, sum the per-type gauges instead).",
    source: 'dynotel',
    keys: ['metrics.promClientNames'],
    parse: truthyBoolean,
    fallback: false,
  }),
  ...histogramRows(false),
  ...histogramRows(true),
} as const;
