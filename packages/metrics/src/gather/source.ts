import type { AnyMetric } from '../instruments/metrics.ts';

/** Runs before every scrape covering its level. A throw or rejection is logged and counted. */
export type UpdateCallback = () => void | Promise<void>;
/** Returns foreign exposition text (0.0.4, or OpenMetrics ending in `# EOF`) for every scrape. */
export type ExpositionCallback = () => string | Promise<string>;

/** How one exposition callback's text is read into the scrape. */
export interface ExpositionSourceOptions {
  /** Names the source in warnings (never a label, to keep cardinality fixed). */
  readonly source?: string | undefined;
  /** Text longer than this many UTF-8 bytes is refused whole and counted. Default: the root's `foreignTextMaxBytes`. */
  readonly maxBytes?: number | undefined;
  /** Labels added to every series of the text; a label a sample already has wins. `le`/`quantile` are refused. */
  readonly injectLabels?: Readonly<Record<string, string>> | undefined;
  /** Keep only families whose name starts with one of these (Dynamo's metric_prefix_filters, per family). */
  readonly includePrefixes?: readonly string[] | undefined;
  /** Drop families whose name starts with one of these; exclude beats include. */
  readonly excludePrefixes?: readonly string[] | undefined;
  /** Family renames by 0.0.4 name; `null` leaves the family out. */
  readonly rename?: Readonly<Record<string, string | null>> | undefined;
}

export interface ExpositionSource {
  readonly read: ExpositionCallback;
  readonly options: ExpositionSourceOptions;
}

/** What a scrape reads from one level of the registry tree (implemented by MetricsLevel). */
export interface ScrapeTarget {
  /** @internal */
  metrics(): Iterable<AnyMetric>;
  /** @internal */
  updateCallbacks(): readonly UpdateCallback[];
  /** @internal */
  expositionSources(): readonly ExpositionSource[];
}

/** Settings every level shares, fixed by the root. */
export interface RootSettings {
  readonly workerId: string | undefined;
  readonly seriesLimit: number;
  readonly maxLabelValueLength: number;
  readonly exemplars: boolean;
  readonly callbackTimeoutMs: number;
  /** Per-source limit of foreign exposition text, in UTF-8 bytes. */
  readonly foreignTextMaxBytes: number;
}
