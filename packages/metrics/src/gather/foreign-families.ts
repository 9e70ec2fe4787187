import { diag } from '@dynotel/core';
import type {
  ExpositionFamily,
  ExpositionFormat,
  ExpositionLabel,
  ExpositionSample,
} from '../foreign/model.ts';
import { escapeLabelValue } from '../format/escape.ts';
import type { Family, HistogramPoint, ScalarPoint, SummaryPoint } from '../model/family.ts';
import { familiesDropped } from '../self-metrics.ts';

/** What to do with foreign families on their way into the model. */
export interface ForeignFamilyOptions {
  /** Labels added to every series; a label the sample already has wins. Checked by the caller. */
  readonly injectLabels?: readonly ExpositionLabel[] | undefined;
  /** Keep only families whose (0.0.4) name starts with one of these. */
  readonly includePrefixes?: readonly string[] | undefined;
  /** Drop families whose name starts with one of these; exclude beats include. */
  readonly excludePrefixes?: readonly string[] | undefined;
  /** Family renames by 0.0.4 name; `null` drops the family. */
  readonly rename?: Readonly<Record<string, string | null>> | undefined;
}

/** Why a parsed family or text cannot enter the model. */
export class ForeignConversionError extends Error {
  readonly reason: 'duplicate_after_inject' | 'unrepresentable';

  constructor(reason: 'duplicate_after_inject' | 'unrepresentable', message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Called once per sample, so the caller can give the event loop a turn (see TimeSlicer). */
export type Pace = () => Promise<void> | undefined;

/**
 * One parsed foreign family (0.0.4 or OpenMetrics) → the neutral model, mapped onto its 0.0.4 types as
 * prometheus_client does: an OpenMetrics counter `foo` becomes counter `foo_total`, `unknown` becomes
 * untyped, info `foo` a gauge `foo_info`, a stateset a gauge, a gauge histogram gauges `foo_bucket`,
 * `foo_gcount`, `foo_gsum`. Dropped on the way, by design: `_created` samples (our own families have none
 * either), units, timestamps on histogram and summary samples, exemplars other than on counters.
 *
 * A family that cannot be written in both formats (a negative or NaN counter, a non-integer bucket or
 * count, a quantile outside [0, 1] or with a negative value) is left out on its own and counted in
 * `dynotel_metrics_families_dropped_total{reason="unrepresentable"}`; two series made identical by label
 * injection throw `duplicate_after_inject`, and the caller drops the whole source.
 */
export async function convertFamily(
  format: ExpositionFormat,
  source: ExpositionFamily,
  options: ForeignFamilyOptions,
  pace: Pace,
): Promise<Family[]> {
  const out: Family[] = [];
  const inject = options.injectLabels ?? [];
  for (const { name, type, samples } of split(format, source)) {
    const renamed = options.rename?.[name];
    const finalName = renamed === undefined ? name : renamed;
    if (finalName === null || !kept(finalName, options)) continue;
    const help = source.help;
    try {
      if (type === 'histogram') {
        const points = await histogramPoints(finalName, samples, inject, pace, name);
        out.push({ name: finalName, help, type, points });
      } else if (type === 'summary') {
        const points = await summaryPoints(finalName, samples, inject, pace, name);
        out.push({ name: finalName, help, type, points });
      } else {
        const points = await scalarPoints(finalName, type, samples, inject, pace);
        out.push({ name: finalName, help, type, points });
      }
    } catch (error) {
      if (!(error instanceof ForeignConversionError) || error.reason !== 'unrepresentable') throw error;
      familiesDropped.inc({ reason: 'unrepresentable' });
      diag.once(`dynotel.metrics.family-dropped.unrepresentable.${finalName}`, {
        level: 'warn',
        target: 'dynotel.metrics',
        message: `Metric family dropped from the scrape: ${error.message}`,
        fields: { family: finalName, type, reason: 'unrepresentable' },
      });
    }
  }
  return out;
}

interface SplitFamily {
  readonly name: string;
  readonly type: Family['type'];
  readonly samples: readonly ExpositionSample[];
}

function split(format: ExpositionFormat, family: ExpositionFamily): SplitFamily[] {
  const om = format === 'openmetrics';
  const named = (suffix: string): ExpositionSample[] =>
    family.samples.filter((sample) => sample.name === `${family.name}${suffix}`);
  const withoutCreated = (): ExpositionSample[] =>
    family.samples.filter((sample) => sample.name !== `${family.name}_created`);
  switch (family.type) {
    case 'counter':
      return om
        ? [{ name: `${family.name}_total`, type: 'counter', samples: named('_total') }]
        : [{ name: family.name, type: 'counter', samples: family.samples }];
    case 'histogram':
      return [{ name: family.name, type: 'histogram', samples: withoutCreated() }];
    case 'summary':
      return [{ name: family.name, type: 'summary', samples: withoutCreated() }];
    case 'gaugehistogram':
      return ['_bucket', '_gcount', '_gsum']
        .map((suffix) => ({
          name: `${family.name}${suffix}`,
          type: 'gauge' as const,
          samples: named(suffix),
        }))
        .filter((part) => part.samples.length > 0);
    case 'info':
      return [{ name: `${family.name}_info`, type: 'gauge', samples: named('_info') }];
    case 'gauge':
    case 'stateset':
      return [{ name: family.name, type: 'gauge', samples: family.samples }];
    default:
      return [{ name: family.name, type: 'untyped', samples: family.samples }];
  }
}

function kept(name: string, options: ForeignFamilyOptions): boolean {
  if (options.excludePrefixes?.some((prefix) => name.startsWith(prefix)) === true) return false;
  const include = options.includePrefixes ?? [];
  return include.length === 0 || include.some((prefix) => name.startsWith(prefix));
}

const byName = (a: ExpositionLabel, b: ExpositionLabel): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Canonical label text: sorted by name, escaped, without `skip` (`le`/`quantile`), injected labels added. */
function labelText(
  labels: readonly ExpositionLabel[],
  inject: readonly ExpositionLabel[],
  skip: string | undefined,
): string {
  let list = labels;
  if (inject.length > 0) {
    const merged = [...labels];
    for (const label of inject)
      if (!labels.some((existing) => existing.name === label.name)) merged.push(label);
    list = merged;
  }
  let sorted = true;
  for (let i = 1; i < list.length; i++)
    if ((list[i - 1] as ExpositionLabel).name > (list[i] as ExpositionLabel).name) sorted = false;
  if (!sorted) list = [...list].sort(byName);
  // Joined rather than concatenated: the result is one flat string, not a tree of string pieces that
  // would all stay alive with the series (a 50 MB text has a million of them; the GC pauses grow with it).
  const pairs: string[] = [];
  for (const label of list) {
    if (label.name !== skip) pairs.push(`${label.name}="${escapeLabelValue(label.value)}"`);
  }
  return pairs.join(',');
}

function unrepresentable(family: string, what: string): ForeignConversionError {
  return new ForeignConversionError(
    'unrepresentable',
    `family '${family}': ${what} has no form in both formats`,
  );
}

async function scalarPoints(
  family: string,
  type: 'counter' | 'gauge' | 'untyped',
  samples: readonly ExpositionSample[],
  inject: readonly ExpositionLabel[],
  pace: Pace,
): Promise<ScalarPoint[]> {
  const points: ScalarPoint[] = [];
  const seen = inject.length > 0 ? new Set<string>() : undefined;
  for (const sample of samples) {
    const pause = pace();
    if (pause !== undefined) await pause;
    if (type === 'counter' && !(sample.value >= 0))
      throw unrepresentable(family, 'a negative or NaN counter');
    const text = labelText(sample.labels, inject, undefined);
    if (seen !== undefined) {
      if (seen.has(text)) throw duplicate(family);
      seen.add(text);
    }
    const exemplar = sample.exemplar;
    points.push({
      labelText: text,
      value: sample.value,
      timestampMs: sample.timestampMs,
      exemplarLabelText: exemplar === undefined ? undefined : labelText(exemplar.labels, [], undefined),
      exemplarValue: exemplar?.value,
    });
  }
  return points;
}

function duplicate(family: string): ForeignConversionError {
  return new ForeignConversionError(
    'duplicate_after_inject',
    `injecting labels makes two series of '${family}' identical`,
  );
}

interface HistogramBuilder {
  labelText: string;
  bounds: number[];
  counts: number[];
  sum: number | undefined;
  count: number | undefined;
}

async function histogramPoints(
  family: string,
  samples: readonly ExpositionSample[],
  inject: readonly ExpositionLabel[],
  pace: Pace,
  sourceName: string,
): Promise<HistogramPoint[]> {
  const groups = new Map<string, HistogramBuilder>();
  for (const sample of samples) {
    const pause = pace();
    if (pause !== undefined) await pause;
    const text = labelText(sample.labels, inject, 'le');
    let group = groups.get(text);
    if (group === undefined) {
      group = { labelText: text, bounds: [], counts: [], sum: undefined, count: undefined };
      groups.set(text, group);
    }
    const suffix = sample.name.slice(sourceName.length);
    if (suffix === '_bucket') {
      if (!Number.isInteger(sample.value)) throw unrepresentable(family, 'a non-integer bucket');
      const le = sample.labels.find((label) => label.name === 'le')?.value ?? '';
      const bound = le === '+Inf' || /^\+?inf(inity)?$/i.test(le) ? Number.POSITIVE_INFINITY : Number(le);
      const last = group.bounds.at(-1);
      // Only injection can bring two groups together (the parser checked the order within one).
      if (group.counts.length > group.bounds.length || (last !== undefined && bound <= last))
        throw duplicate(family);
      if (bound !== Number.POSITIVE_INFINITY) group.bounds.push(bound);
      group.counts.push(sample.value);
    } else if (suffix === '_sum') {
      if (group.sum !== undefined) throw duplicate(family);
      group.sum = sample.value;
    } else if (suffix === '_count') {
      if (group.count !== undefined) throw duplicate(family);
      if (!Number.isInteger(sample.value)) throw unrepresentable(family, 'a non-integer count');
      group.count = sample.value;
    }
  }
  const points: HistogramPoint[] = [];
  for (const group of groups.values()) {
    // A 0.0.4 histogram may have only `_sum`/`_count`: its one bucket is `+Inf`.
    if (group.counts.length === group.bounds.length) group.counts.push(group.count ?? 0);
    points.push({
      labelText: group.labelText,
      bounds: group.bounds,
      counts: group.counts,
      cumulative: true,
      sum: group.sum,
    });
  }
  return points;
}

interface SummaryBuilder {
  labelText: string;
  quantiles: number[];
  values: number[];
  sum: number | undefined;
  count: number | undefined;
}

async function summaryPoints(
  family: string,
  samples: readonly ExpositionSample[],
  inject: readonly ExpositionLabel[],
  pace: Pace,
  sourceName: string,
): Promise<SummaryPoint[]> {
  const groups = new Map<string, SummaryBuilder>();
  for (const sample of samples) {
    const pause = pace();
    if (pause !== undefined) await pause;
    const text = labelText(sample.labels, inject, 'quantile');
    let group = groups.get(text);
    if (group === undefined) {
      group = { labelText: text, quantiles: [], values: [], sum: undefined, count: undefined };
      groups.set(text, group);
    }
    const suffix = sample.name.slice(sourceName.length);
    if (suffix === '') {
      const quantile = Number(sample.labels.find((label) => label.name === 'quantile')?.value);
      if (!(quantile >= 0 && quantile <= 1)) throw unrepresentable(family, 'a quantile outside [0, 1]');
      if (sample.value < 0) throw unrepresentable(family, 'a negative quantile value');
      if (group.quantiles.includes(quantile)) throw duplicate(family);
      group.quantiles.push(quantile);
      group.values.push(sample.value);
    } else if (suffix === '_sum') {
      if (group.sum !== undefined) throw duplicate(family);
      group.sum = sample.value;
    } else if (suffix === '_count') {
      if (group.count !== undefined) throw duplicate(family);
      if (!Number.isInteger(sample.value)) throw unrepresentable(family, 'a non-integer count');
      group.count = sample.value;
    }
  }
  return [...groups.values()];
}
