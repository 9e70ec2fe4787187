import { diag } from '@dynotel/core';
import type {
  ExpositionFamily,
  ExpositionFormat,
  ExpositionLabel,
  ExpositionSample,
} from '../foreign/model.ts';
import { escapeLabelValue } from '../format/escape.ts';
import type { Family, HistogramPoint, ScalarPoint } from '../model/family.ts';
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
 * either), units, timestamps on histogram and summary samples, exemplars other than on counters, and
 * families without samples (nothing to write).
 *
 * The samples arrive in batches while the parser reads the family (`add`), so they die young; `finish`
 * returns the model families. A family that cannot be written in both formats (a negative or NaN counter,
 * a non-integer bucket or count, a quantile outside [0, 1] or with a negative value) is left out on its
 * own and counted in `dynotel_metrics_families_dropped_total{reason="unrepresentable"}`; two series made
 * identical by label injection throw `duplicate_after_inject`, and the caller drops the whole source.
 */
export class FamilyConverter {
  readonly #parts: Part[];

  constructor(format: ExpositionFormat, family: ExpositionFamily, options: ForeignFamilyOptions) {
    const inject = options.injectLabels ?? [];
    this.#parts = [];
    for (const spec of split(format, family)) {
      const renamed = options.rename?.[spec.name];
      const name = renamed === undefined ? spec.name : renamed;
      if (name === null || !kept(name, options)) continue;
      const builder =
        spec.type === 'histogram'
          ? new HistogramBuilder(name, family.name, inject)
          : spec.type === 'summary'
            ? new SummaryBuilder(name, family.name, inject)
            : new ScalarBuilder(name, spec.type, inject);
      this.#parts.push({ accepts: spec.accepts, builder, help: family.help, failed: undefined });
    }
  }

  /** Converts a batch of the family's samples, giving the event loop a turn when `pace` says so. */
  async add(samples: readonly ExpositionSample[], pace: Pace): Promise<void> {
    const parts = this.#parts;
    if (parts.length === 0) return;
    for (const sample of samples) {
      const pause = pace();
      if (pause !== undefined) await pause;
      for (const part of parts) {
        if (!part.accepts(sample.name)) continue;
        if (part.failed === undefined) {
          try {
            part.builder.add(sample);
          } catch (error) {
            if (!(error instanceof ForeignConversionError) || error.reason !== 'unrepresentable') throw error;
            part.failed = error.message;
          }
        }
        break;
      }
    }
  }

  /** The model families (unrepresentable ones counted and left out). */
  finish(): Family[] {
    const out: Family[] = [];
    for (const part of this.#parts) {
      const { builder } = part;
      if (part.failed !== undefined) {
        familiesDropped.inc({ reason: 'unrepresentable' });
        diag.once(`dynotel.metrics.family-dropped.unrepresentable.${builder.name}`, {
          level: 'warn',
          target: 'dynotel.metrics',
          message: `Metric family dropped from the scrape: ${part.failed}`,
          fields: { family: builder.name, type: builder.type, reason: 'unrepresentable' },
        });
        continue;
      }
      const family = builder.finish(part.help);
      if (family.points.length > 0) out.push(family);
    }
    return out;
  }
}

interface Part {
  readonly accepts: (sampleName: string) => boolean;
  readonly builder: ScalarBuilder | HistogramBuilder | SummaryBuilder;
  readonly help: string | undefined;
  failed: string | undefined;
}

interface SplitSpec {
  readonly name: string;
  readonly type: Family['type'];
  readonly accepts: (sampleName: string) => boolean;
}

function split(format: ExpositionFormat, family: ExpositionFamily): SplitSpec[] {
  const om = format === 'openmetrics';
  const all = (): boolean => true;
  const exactly =
    (suffix: string) =>
    (sampleName: string): boolean =>
      sampleName === `${family.name}${suffix}`;
  const notCreated = (sampleName: string): boolean => sampleName !== `${family.name}_created`;
  switch (family.type) {
    case 'counter':
      return om
        ? [{ name: `${family.name}_total`, type: 'counter', accepts: exactly('_total') }]
        : [{ name: family.name, type: 'counter', accepts: all }];
    case 'histogram':
      return [{ name: family.name, type: 'histogram', accepts: notCreated }];
    case 'summary':
      return [{ name: family.name, type: 'summary', accepts: notCreated }];
    case 'gaugehistogram':
      return ['_bucket', '_gcount', '_gsum'].map((suffix) => ({
        name: `${family.name}${suffix}`,
        type: 'gauge' as const,
        accepts: exactly(suffix),
      }));
    case 'info':
      return [{ name: `${family.name}_info`, type: 'gauge', accepts: exactly('_info') }];
    case 'gauge':
    case 'stateset':
      return [{ name: family.name, type: 'gauge', accepts: all }];
    default:
      return [{ name: family.name, type: 'untyped', accepts: all }];
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

class ScalarBuilder {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'untyped';
  readonly #inject: readonly ExpositionLabel[];
  readonly #points: ScalarPoint[] = [];
  readonly #seen: Set<string> | undefined;

  constructor(name: string, type: 'counter' | 'gauge' | 'untyped', inject: readonly ExpositionLabel[]) {
    this.name = name;
    this.type = type;
    this.#inject = inject;
    // Without injection the parser already guarantees distinct series.
    this.#seen = inject.length > 0 ? new Set() : undefined;
  }

  add(sample: ExpositionSample): void {
    if (this.type === 'counter' && !(sample.value >= 0)) {
      throw unrepresentable(this.name, 'a negative or NaN counter');
    }
    const text = labelText(sample.labels, this.#inject, undefined);
    if (this.#seen !== undefined) {
      if (this.#seen.has(text)) throw duplicate(this.name);
      this.#seen.add(text);
    }
    const exemplar = sample.exemplar;
    this.#points.push({
      labelText: text,
      value: sample.value,
      timestampMs: sample.timestampMs,
      exemplarLabelText: exemplar === undefined ? undefined : labelText(exemplar.labels, [], undefined),
      exemplarValue: exemplar?.value,
    });
  }

  finish(help: string | undefined): Family {
    return { name: this.name, help, type: this.type, points: this.#points };
  }
}

function duplicate(family: string): ForeignConversionError {
  return new ForeignConversionError(
    'duplicate_after_inject',
    `injecting labels makes two series of '${family}' identical`,
  );
}

interface HistogramGroup {
  labelText: string;
  bounds: number[];
  counts: number[];
  sum: number | undefined;
  count: number | undefined;
}

class HistogramBuilder {
  readonly name: string;
  readonly type = 'histogram';
  readonly #sourceName: string;
  readonly #inject: readonly ExpositionLabel[];
  readonly #groups = new Map<string, HistogramGroup>();

  constructor(name: string, sourceName: string, inject: readonly ExpositionLabel[]) {
    this.name = name;
    this.#sourceName = sourceName;
    this.#inject = inject;
  }

  add(sample: ExpositionSample): void {
    const text = labelText(sample.labels, this.#inject, 'le');
    let group = this.#groups.get(text);
    if (group === undefined) {
      group = { labelText: text, bounds: [], counts: [], sum: undefined, count: undefined };
      this.#groups.set(text, group);
    }
    const suffix = sample.name.slice(this.#sourceName.length);
    if (suffix === '_bucket') {
      if (!Number.isInteger(sample.value)) throw unrepresentable(this.name, 'a non-integer bucket');
      const le = sample.labels.find((label) => label.name === 'le')?.value ?? '';
      const bound = le === '+Inf' || /^\+?inf(inity)?$/i.test(le) ? Number.POSITIVE_INFINITY : Number(le);
      const last = group.bounds.at(-1);
      // Only injection can bring two series together (the parser checked the order within one).
      if (group.counts.length > group.bounds.length || (last !== undefined && bound <= last)) {
        throw duplicate(this.name);
      }
      if (bound !== Number.POSITIVE_INFINITY) group.bounds.push(bound);
      group.counts.push(sample.value);
    } else if (suffix === '_sum') {
      if (group.sum !== undefined) throw duplicate(this.name);
      group.sum = sample.value;
    } else if (suffix === '_count') {
      if (group.count !== undefined) throw duplicate(this.name);
      if (!Number.isInteger(sample.value)) throw unrepresentable(this.name, 'a non-integer count');
      group.count = sample.value;
    }
  }

  finish(help: string | undefined): Family {
    const points: HistogramPoint[] = [];
    for (const group of this.#groups.values()) {
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
    return { name: this.name, help, type: 'histogram', points };
  }
}

interface SummaryGroup {
  labelText: string;
  quantiles: number[];
  values: number[];
  sum: number | undefined;
  count: number | undefined;
}

class SummaryBuilder {
  readonly name: string;
  readonly type = 'summary';
  readonly #sourceName: string;
  readonly #inject: readonly ExpositionLabel[];
  readonly #groups = new Map<string, SummaryGroup>();

  constructor(name: string, sourceName: string, inject: readonly ExpositionLabel[]) {
    this.name = name;
    this.#sourceName = sourceName;
    this.#inject = inject;
  }

  add(sample: ExpositionSample): void {
    const text = labelText(sample.labels, this.#inject, 'quantile');
    let group = this.#groups.get(text);
    if (group === undefined) {
      group = { labelText: text, quantiles: [], values: [], sum: undefined, count: undefined };
      this.#groups.set(text, group);
    }
    const suffix = sample.name.slice(this.#sourceName.length);
    if (suffix === '') {
      const quantile = Number(sample.labels.find((label) => label.name === 'quantile')?.value);
      if (!(quantile >= 0 && quantile <= 1)) throw unrepresentable(this.name, 'a quantile outside [0, 1]');
      if (sample.value < 0) throw unrepresentable(this.name, 'a negative quantile value');
      if (group.quantiles.includes(quantile)) throw duplicate(this.name);
      group.quantiles.push(quantile);
      group.values.push(sample.value);
    } else if (suffix === '_sum') {
      if (group.sum !== undefined) throw duplicate(this.name);
      group.sum = sample.value;
    } else if (suffix === '_count') {
      if (group.count !== undefined) throw duplicate(this.name);
      if (!Number.isInteger(sample.value)) throw unrepresentable(this.name, 'a non-integer count');
      group.count = sample.value;
    }
  }

  finish(help: string | undefined): Family {
    return { name: this.name, help, type: 'summary', points: [...this.#groups.values()] };
  }
}
