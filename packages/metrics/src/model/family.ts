/**
 * The one neutral family model every source is gathered into (own registries, self-metrics, callback and
 * engine text) and the one the encoders read. It is the 0.0.4 data model (counter, gauge, histogram,
 * summary, untyped) plus OpenMetrics exemplars on counters; richer OpenMetrics types are mapped onto it
 * when foreign text is read (`gather/foreign-families.ts`).
 *
 * Points are views, not copies: an own instrument's children implement these interfaces themselves, so
 * gathering 100k series allocates nothing per series (the hot path: `labelText` is rendered once when a
 * series is created). `labelText` is canonical — labels sorted by name, escaped, without `le`/`quantile`,
 * no braces — and is the identity of a series within its family.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** What a writer needs to write a family's `# HELP` / `# TYPE` lines and to name its samples. */
export interface FamilyHeader {
  readonly name: string;
  /** Undefined: no HELP line. */
  readonly help: string | undefined;
  readonly type: FamilyType;
  /** False: the source text declared no type, and none is written (the samples are untyped). */
  readonly typeDeclared?: boolean | undefined;
}

/** A counter, gauge or untyped sample. */
export interface ScalarPoint {
  /** @internal */
  readonly labelText: string;
  /** @internal */
  readonly value: number;
  /**
   * @internal
   * `name{labels}` for the family's own name (the sample name of a gauge, an untyped, and of a counter
   * whose name ends in `_total`), rendered once by whoever owns the point. Absent: the writer builds it.
   */
  readonly seriesText?: string | undefined;
  /** @internal Milliseconds since the epoch (foreign samples only). */
  readonly timestampMs?: number | undefined;
  /** @internal Exemplar of a sampled trace (own counters, written in OpenMetrics only). */
  readonly exemplarTraceId?: string | undefined;
  /** @internal */
  readonly exemplarSpanId?: string | undefined;
  /** @internal */
  readonly exemplarValue?: number | undefined;
  /** @internal A foreign exemplar's canonical label text and value (OpenMetrics only). */
  readonly exemplarLabelText?: string | undefined;
}

/** A histogram series: per-bucket counts with `+Inf` last (or cumulative ones, when `cumulative`). */
export interface HistogramPoint {
  /** @internal */
  readonly labelText: string;
  /** @internal Finite upper bounds, strictly increasing; `+Inf` is implied and its count is `counts[bounds.length]`. */
  readonly bounds: ArrayLike<number>;
  /** @internal */
  readonly counts: ArrayLike<number>;
  /** @internal True when `counts` are already cumulative (foreign text); own histograms count per bucket. */
  readonly cumulative?: boolean | undefined;
  /** @internal Undefined when the source had no `_sum`. */
  readonly sum: number | undefined;
  /** @internal */
  readonly exemplarTraceIds?: ReadonlyArray<string | undefined> | undefined;
  /** @internal */
  readonly exemplarSpanIds?: readonly string[] | undefined;
  /** @internal */
  readonly exemplarValues?: ArrayLike<number> | undefined;
}

/** A summary series (foreign text only): quantiles, and `_sum`/`_count` when the source had them. */
export interface SummaryPoint {
  readonly labelText: string;
  readonly quantiles: readonly number[];
  readonly values: readonly number[];
  readonly sum: number | undefined;
  readonly count: number | undefined;
}

interface FamilyMeta {
  /** The family name as registered or as written in 0.0.4 (a counter usually ends in `_total`). */
  readonly name: string;
  /** Undefined for foreign families written without `# HELP` (no HELP line is written then). */
  readonly help: string | undefined;
}

export type ScalarFamily = FamilyMeta & {
  readonly type: 'counter' | 'gauge' | 'untyped';
  readonly points: readonly ScalarPoint[];
};
export type HistogramFamily = FamilyMeta & {
  readonly type: 'histogram';
  readonly points: readonly HistogramPoint[];
};
export type SummaryFamily = FamilyMeta & {
  readonly type: 'summary';
  readonly points: readonly SummaryPoint[];
};

export type Family = ScalarFamily | HistogramFamily | SummaryFamily;

/**
 * A foreign family whose sample lines were written in the scrape's format while its text was read, instead
 * of being kept as points until the encoder runs. A 50 MB engine body is ~900k series: held as points
 * (one object and one label string each) they all survive every young-generation collection of the scrape
 * and the scavenges grow to tens of milliseconds; as text they are a few hundred flat strings of 256K
 * characters. The encoder writes the family's HELP/TYPE and then the chunks as they are
 * (`gather/foreign-render.ts` writes them, `gather/merge.ts` passes them through).
 *
 * `rederive` reads the family again as points, for the rare merge that needs its series one by one (a
 * later family of the same name from another source, or from a rename within the source).
 */
export interface RenderedFamily {
  readonly name: string;
  readonly help: string | undefined;
  readonly type: FamilyType;
  /** Sample lines, every chunk ending with a line feed; none when the family has no series. */
  readonly chunks: readonly string[];
  readonly series: number;
  readonly rederive: () => Promise<Family>;
}

/** A foreign family as gathering hands it to the merge: points, or already rendered. */
export type ForeignFamily = Family | RenderedFamily;

export function isRendered(family: ForeignFamily): family is RenderedFamily {
  return 'chunks' in family;
}

/** Where a family comes from; also the merge precedence, first wins (see `gather/merge.ts`). */
export type FamilyOrigin = 'own' | 'self' | 'foreign';

/** A counter family's name without `_total`: its OpenMetrics name. */
export function counterBaseName(name: string): string {
  return name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
}

/**
 * Every sample name a family of this type writes in either format, plus the names OpenMetrics reserves
 * for it (`_created`). No two families of one scrape may share any of these: histogram `foo` owns
 * `foo_count`, so a gauge `foo_count` beside it would write that sample twice.
 */
export function ownedSampleNames(name: string, type: FamilyType): readonly string[] {
  switch (type) {
    case 'counter': {
      const base = counterBaseName(name);
      return [base, `${base}_total`, `${base}_created`];
    }
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_created`];
    case 'summary':
      return [name, `${name}_sum`, `${name}_count`, `${name}_created`];
    default:
      return [name];
  }
}
