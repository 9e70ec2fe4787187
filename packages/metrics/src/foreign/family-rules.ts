import type { ExpositionFormat, MetricFamilyType } from './model.ts';

/** Which sample names belong to a family of each type: `<family name><suffix>`. */
const PROMETHEUS_SUFFIXES: Partial<Record<MetricFamilyType, readonly string[]>> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

const OPENMETRICS_SUFFIXES: Partial<Record<MetricFamilyType, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [''],
  unknown: [''],
  stateset: [''],
  info: ['_info'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
};

export const PROMETHEUS_TYPES: ReadonlySet<string> = new Set(Object.keys(PROMETHEUS_SUFFIXES));
export const OPENMETRICS_TYPES: ReadonlySet<string> = new Set(Object.keys(OPENMETRICS_SUFFIXES));

/** The type of a family that has no `# TYPE` line. */
export function implicitType(format: ExpositionFormat): MetricFamilyType {
  return format === 'openmetrics' ? 'unknown' : 'untyped';
}

/** The suffix of `sampleName` within the family, or `undefined` when the sample does not belong to it. */
export function sampleSuffix(
  format: ExpositionFormat,
  familyType: MetricFamilyType,
  familyName: string,
  sampleName: string,
): string | undefined {
  if (!sampleName.startsWith(familyName)) return undefined;
  const suffix = sampleName.slice(familyName.length);
  const allowed = (format === 'openmetrics' ? OPENMETRICS_SUFFIXES : PROMETHEUS_SUFFIXES)[familyType];
  return allowed?.includes(suffix) === true ? suffix : undefined;
}

/** Whether a type has `_bucket` samples with an `le` label. */
export function isHistogramType(type: MetricFamilyType): boolean {
  return type === 'histogram' || type === 'gaugehistogram';
}
