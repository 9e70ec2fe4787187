import { diag } from '@dynotel/core';
import type {
  ExpositionFamily,
  ExpositionFormat,
  ExpositionLabel,
  ExpositionSample,
} from '../foreign/model.ts';
import type { ExpositionFormat as OutputFormat } from '../format/content-type.ts';
import { escapeLabelValue } from '../format/escape.ts';
import type { Family, ForeignFamily, HistogramPoint, ScalarPoint, SummaryPoint } from '../model/family.ts';
import { familiesDropped } from '../self-metrics.ts';
import { FamilyRenderer } from './foreign-render.ts';

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
  /** Convert only the family of this (output) name, leaving every other out uncounted (`rederive`). */
  readonly onlyName?: string | undefined;
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
 * Render families into the scrape's output format while they are read (see `RenderedFamily`), except
 * those whose name is `claimed` already (their series must be merged one by one, so they stay points).
 */
export interface RenderTarget {
  readonly format: OutputFormat;
  readonly claimed: (name: string) => boolean;
  /** How to read this family again as points (for a merge that needs it later). */
  readonly rederive: (family: RederivedMeta) => () => Promise<Family>;
}

/** What a rendered family is read again by (and what it stays, without series, should that ever fail). */
export interface RederivedMeta {
  readonly name: string;
  readonly help: string | undefined;
  readonly type: Family['type'];
}

/**
 * One parsed foreign family (0.0.4 or OpenMetrics) → the neutral model, mapped onto its 0.0.4 types as
 * prometheus_client does: an OpenMetrics counter `foo` becomes counter `foo_total`, `unknown` becomes
 * untyped, info `foo` a gauge `foo_info`, a stateset a gauge, a gauge histogram gauges `foo_bucket`,
 * `foo_gcount`, `foo_gsum`. Dropped on the way, by design: `_created` samples (our own families have none
 * either), units, timestamps on histogram and summary samples, exemplars other than on counters, and
 * families without samples (nothing to write).
 *
 * The samples arrive in batches while the parser reads the family (`add`), so they die young; `finish`
 * returns the model families. With a `RenderTarget` a family is written as text while it is read (a
 * counter, gauge or untyped series at once; a histogram's or summary's series once the family is
 * complete, since their samples may be spread over the family) and only the text is kept. A family that
 * cannot be written in both formats (a negative or NaN counter, a non-integer bucket or count, a quantile
 * outside [0, 1] or with a negative value) is left out on its own and counted in
 * `dynotel_metrics_families_dropped_total{reason="unrepresentable"}`; two series made identical by label
 * injection throw `duplicate_after_inject`, and the caller drops the whole source.
 */
export class FamilyConverter {
  readonly #parts: Part[];

  constructor(
    format: ExpositionFormat,
    family: ExpositionFamily,
    options: ForeignFamilyOptions,
    render?: RenderTarget | undefined,
  ) {
    const inject = options.injectLabels ?? [];
    this.#parts = [];
    const help = family.help === undefined ? undefined : detached(family.help);
    for (const spec of split(format, family)) {
      const renamed = options.rename?.[spec.name];
      if (renamed === null) continue;
      const name = detached(renamed ?? spec.name);
      if (!kept(name, options)) continue;
      if (options.onlyName !== undefined && name !== options.onlyName) continue;
      const rendered =
        render === undefined || render.claimed(name)
          ? undefined
          : {
              renderer: new FamilyRenderer(render.format, name, spec.type),
              rederive: render.rederive({ name, help, type: spec.type }),
            };
      const renderer = rendered?.renderer;
      const builder =
        spec.type === 'histogram'
          ? new HistogramBuilder(name, family.name, inject)
          : spec.type === 'summary'
            ? new SummaryBuilder(name, family.name, inject)
            : new ScalarBuilder(name, spec.type, inject, renderer);
      this.#parts.push({
        accepts: spec.accepts,
        builder,
        renderer,
        rederive: rendered?.rederive,
        help,
        failed: undefined,
      });
    }
  }

  /** The output names of this family (after renames and filters), to claim before the next family. */
  names(): string[] {
    return this.#parts.map((part) => part.builder.name);
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

  /** The model families, points or rendered (unrepresentable ones counted and left out). */
  async finish(pace: Pace): Promise<ForeignFamily[]> {
    const out: ForeignFamily[] = [];
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
      const { renderer, rederive } = part;
      if (renderer === undefined || rederive === undefined) {
        const family = builder.finish(part.help);
        if (family.points.length > 0) out.push(family);
        continue;
      }
      if (builder instanceof HistogramBuilder) {
        for (const point of builder.points()) {
          const pause = pace();
          if (pause !== undefined) await pause;
          renderer.histogram(point);
        }
      } else if (builder instanceof SummaryBuilder) {
        for (const point of builder.points()) {
          const pause = pace();
          if (pause !== undefined) await pause;
          renderer.summary(point);
        }
      }
      const { chunks, series } = renderer.finish();
      if (series === 0) continue;
      const { name, type } = builder;
      out.push({ name, help: part.help, type, chunks, series, rederive });
    }
    return out;
  }
}

interface Part {
  readonly accepts: (sampleName: string) => boolean;
  readonly builder: ScalarBuilder | HistogramBuilder | SummaryBuilder;
  /** Set when the family is written as text while it is read. */
  readonly renderer: FamilyRenderer | undefined;
  readonly rederive: (() => Promise<Family>) | undefined;
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

/**
 * A copy of `text` that does not keep the string it was cut from alive: V8 keeps a substring of 13 or more
 * characters as a slice of its parent, so a family name or HELP read from a 50 MB body would hold the whole
 * body until the scrape is written (or for good, in a warning's once-key).
 */
function detached(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf16le').toString('utf16le');
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

/*
 * Points are class instances, not object literals: V8 pretenures a literal's objects (allocates them in the
 * old generation) once all of them survived a young-generation collection, which happens when a family is
 * kept as points (its name repeats). A rendered family's points die at once; allocated old they would hold
 * their young label text there, and every scavenge would have to keep it (see line-scanner.ts).
 */
class ForeignScalarPoint implements ScalarPoint {
  readonly labelText: string;
  readonly value: number;
  readonly timestampMs: number | undefined;
  readonly exemplarLabelText: string | undefined;
  readonly exemplarValue: number | undefined;

  constructor(
    labelText: string,
    value: number,
    timestampMs: number | undefined,
    exemplarLabelText: string | undefined,
    exemplarValue: number | undefined,
  ) {
    this.labelText = labelText;
    this.value = value;
    this.timestampMs = timestampMs;
    this.exemplarLabelText = exemplarLabelText;
    this.exemplarValue = exemplarValue;
  }
}

class ForeignHistogramPoint implements HistogramPoint {
  readonly labelText: string;
  readonly bounds: number[];
  readonly counts: number[];
  readonly cumulative = true;
  readonly sum: number | undefined;

  constructor(labelText: string, bounds: number[], counts: number[], sum: number | undefined) {
    this.labelText = labelText;
    this.bounds = bounds;
    this.counts = counts;
    this.sum = sum;
  }
}

class ScalarBuilder {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'untyped';
  readonly #inject: readonly ExpositionLabel[];
  readonly #points: ScalarPoint[] = [];
  readonly #seen: Set<string> | undefined;
  readonly #renderer: FamilyRenderer | undefined;

  constructor(
    name: string,
    type: 'counter' | 'gauge' | 'untyped',
    inject: readonly ExpositionLabel[],
    renderer: FamilyRenderer | undefined,
  ) {
    this.name = name;
    this.type = type;
    this.#inject = inject;
    this.#renderer = renderer;
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
    const point = new ForeignScalarPoint(
      text,
      sample.value,
      sample.timestampMs,
      exemplar === undefined ? undefined : labelText(exemplar.labels, [], undefined),
      exemplar?.value,
    );
    // Rendered at once: the point dies young. (A later failure of the family discards the text.)
    if (this.#renderer !== undefined) this.#renderer.scalar(point);
    else this.#points.push(point);
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
    return { name: this.name, help, type: 'histogram', points: [...this.points()] };
  }

  /** The series, in the order first seen. */
  *points(): Generator<HistogramPoint> {
    for (const group of this.#groups.values()) {
      // A 0.0.4 histogram may have only `_sum`/`_count`: its one bucket is `+Inf`.
      if (group.counts.length === group.bounds.length) group.counts.push(group.count ?? 0);
      yield new ForeignHistogramPoint(group.labelText, group.bounds, group.counts, group.sum);
    }
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

  /** The series, in the order first seen. */
  points(): IterableIterator<SummaryPoint> {
    return this.#groups.values();
  }
}
