import { DynotelError } from '@dynotel/core';
import {
  type HttpScrape,
  type ScrapeResult,
  type ScrapeStream,
  scrapeLevels,
  scrapeLevelsHttp,
  scrapeLevelsStream,
} from '../expose/scrape.ts';
import type {
  ExpositionCallback,
  ExpositionSource,
  ExpositionSourceOptions,
  RootSettings,
  ScrapeTarget,
  UpdateCallback,
} from '../gather/source.ts';
import {
  defineMetric,
  type HistogramOptions,
  type LevelContext,
  type MetricDefinition,
  type MetricOptions,
  type MetricType,
} from '../instruments/definition.ts';
import { type AnyMetric, Counter, Gauge, Histogram } from '../instruments/metrics.ts';
import { sanitizeLabelName } from '../naming/sanitize.ts';

export type { ExpositionCallback, ExpositionSourceOptions, RootSettings, UpdateCallback };

const HIERARCHY_LABELS = ['dynamo_namespace', 'dynamo_component', 'dynamo_endpoint'] as const;

/**
 * One level of Dynamo's registry tree (reference §2.3-2.4). Each level owns its metrics and callbacks;
 * children are created once per name and attached once. A scrape of a level covers the level and all its
 * descendants, visited depth-first in pre-order.
 *
 * The hierarchy path excludes the root (whose basename is empty). Positions 0, 1 and 2 of the path become
 * dynamo_namespace, dynamo_component and dynamo_endpoint, with Dynamo's label sanitiser applied to the
 * values; with nested namespaces the positions shift exactly as in Dynamo (`ns1.ns2.ns3` + component gives
 * namespace=ns1, component=ns2, endpoint=ns3).
 */
export abstract class MetricsLevel implements ScrapeTarget {
  /** The sanitised hierarchy names from the first namespace down to this level. */
  readonly path: readonly string[];
  /** @internal */
  readonly settings: RootSettings;
  readonly #context: LevelContext;
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #children = new Map<string, MetricsLevel>();
  readonly #updateCallbacks: UpdateCallback[] = [];
  readonly #expositionSources: ExpositionSource[] = [];

  /** @internal */
  protected constructor(settings: RootSettings, path: readonly string[]) {
    this.settings = settings;
    this.path = path;
    const autoLabels: Array<readonly [string, string]> = [];
    path.slice(0, HIERARCHY_LABELS.length).forEach((value, index) => {
      autoLabels.push([HIERARCHY_LABELS[index] as string, value]);
    });
    if (settings.workerId !== undefined) autoLabels.push(['worker_id', settings.workerId]);
    this.#context = {
      autoLabels,
      seriesLimit: settings.seriesLimit,
      maxLabelValueLength: settings.maxLabelValueLength,
      exemplars: settings.exemplars,
    };
  }

  /** The labels every auto-labelled metric of this level carries, in Dynamo's order. */
  get autoLabels(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.#context.autoLabels);
  }

  /**
   * Defines a counter on this level (its name gets the `dynamo_component_` prefix and the level's
   * hierarchy labels unless `prefix`/`autoLabels` say otherwise). The same definition twice returns the
   * same metric; a conflicting one throws.
   *
   * @example
   * ```ts
   * import { createMetricsRoot } from '@dynotel/metrics';
   *
   * const ep = createMetricsRoot().namespace('dynamo').component('backend').endpoint('generate');
   * const requests = ep.counter({ name: 'requests_total', help: 'Requests', labelNames: ['model'] });
   * requests.labels('llama-3').inc(); // cache the child in hot paths
   * const queued = ep.gauge({ name: 'queued_requests', help: 'Requests waiting' });
   * queued.set(4);
   * const latency = ep.histogram({ name: 'latency_seconds', help: 'Latency', buckets: [0.1, 0.5, 1] });
   * latency.observe(0.42);
   * console.log((await ep.scrape()).body.includes('dynamo_component_requests_total')); // true
   * ```
   */
  counter(options: MetricOptions): Counter {
    return this.#register('counter', options, (definition) => new Counter(definition, this.#context));
  }

  /** Defines a gauge on this level; see {@link MetricsLevel.counter} for naming and an example. */
  gauge(options: MetricOptions): Gauge {
    return this.#register('gauge', options, (definition) => new Gauge(definition, this.#context));
  }

  /**
   * Defines a histogram on this level (default buckets: `DEFAULT_BUCKETS`); see
   * {@link MetricsLevel.counter} for naming and an example.
   */
  histogram(options: HistogramOptions): Histogram {
    return this.#register('histogram', options, (definition) => new Histogram(definition, this.#context));
  }

  /** Runs before every scrape that covers this level. A throw or rejection is logged and counted. */
  onScrape(callback: UpdateCallback): void {
    this.#updateCallbacks.push(callback);
  }

  /**
   * Foreign exposition text (0.0.4, or OpenMetrics ending in `# EOF`) read into every scrape covering this
   * level: size-limited, parsed strictly without blocking the event loop, merged after the own metrics
   * (see the README, "Scrape pipeline"). `options` can inject labels, filter and rename families.
   */
  addExpositionCallback(callback: ExpositionCallback, options: ExpositionSourceOptions = {}): void {
    this.#expositionSources.push({ read: callback, options });
  }

  /** Scrapes this level and its descendants; the format is negotiated from an Accept header. */
  scrape(accept?: string): Promise<ScrapeResult> {
    return scrapeLevels(this.subtree(), this.settings, accept, this.isRoot);
  }

  /**
   * The same scrape as a stream of chunks, for an HTTP server: a 100k-series body is never held as one
   * string, and the conversion to bytes happens chunk by chunk instead of in one long step.
   */
  scrapeStream(accept?: string): Promise<ScrapeStream> {
    return scrapeLevelsStream(this.subtree(), this.settings, accept, this.isRoot);
  }

  /**
   * The scrape for an HTTP response: format negotiated from Accept, gzip from Accept-Encoding (as
   * Prometheus sends it), the body streamed — compressed chunk by chunk when gzip.
   */
  scrapeHttp(accept?: string, acceptEncoding?: string): Promise<HttpScrape> {
    return scrapeLevelsHttp(this.subtree(), this.settings, accept, acceptEncoding, this.isRoot);
  }

  /** @internal Whether this is the runtime level (its scrape carries the dynotel_* self-metrics). */
  get isRoot(): boolean {
    return false;
  }

  /** @internal This level and its descendants, pre-order, each once. */
  subtree(): MetricsLevel[] {
    const out: MetricsLevel[] = [];
    const seen = new Set<MetricsLevel>();
    const visit = (level: MetricsLevel): void => {
      if (seen.has(level)) return;
      seen.add(level);
      out.push(level);
      for (const child of level.#children.values()) visit(child);
    };
    visit(this);
    return out;
  }

  /** @internal */
  metrics(): IterableIterator<AnyMetric> {
    return this.#metrics.values();
  }

  /** @internal */
  updateCallbacks(): readonly UpdateCallback[] {
    return this.#updateCallbacks;
  }

  /** @internal */
  expositionSources(): readonly ExpositionSource[] {
    return this.#expositionSources;
  }

  /** Returns the child of that (raw) name, creating and attaching it on first use. */
  protected child<L extends MetricsLevel>(kind: string, rawName: string, create: (path: string[]) => L): L {
    const existing = this.#children.get(`${kind}\0${rawName}`);
    if (existing !== undefined) return existing as L;
    const name = typeof rawName === 'string' ? sanitizeLabelName(rawName) : undefined;
    if (name === undefined) {
      throw new DynotelError(
        'ERR_DYNOTEL_METRICS_INVALID_HIERARCHY_NAME',
        `${kind} name '${String(rawName)}' cannot be used: it must sanitise to a label value with a letter or digit`,
        { details: { kind, name: rawName } },
      );
    }
    const level = create([...this.path, name]);
    this.#children.set(`${kind}\0${rawName}`, level);
    return level;
  }

  #register<M extends AnyMetric>(
    type: MetricType,
    options: MetricOptions,
    create: (definition: MetricDefinition) => M,
  ): M {
    const definition = defineMetric(type, options, this.#context);
    const existing = this.#metrics.get(definition.name);
    if (existing !== undefined) {
      if (existing.definition.identity === definition.identity) return existing as M;
      throw new DynotelError(
        'ERR_DYNOTEL_METRICS_CONFLICTING_METRIC',
        `Failed to register metric: Duplicate metrics collector registration attempted: '${definition.name}' already exists at this level as a ${existing.type} with a different definition`,
        {
          details: {
            name: definition.name,
            existing: existing.definition.identity,
            requested: definition.identity,
          },
        },
      );
    }
    const metric = create(definition);
    this.#metrics.set(definition.name, metric);
    return metric;
  }
}

export class EndpointLevel extends MetricsLevel {
  /** @internal */
  constructor(settings: RootSettings, path: readonly string[]) {
    super(settings, path);
  }
}

export class ComponentLevel extends MetricsLevel {
  /** @internal */
  constructor(settings: RootSettings, path: readonly string[]) {
    super(settings, path);
  }

  endpoint(name: string): EndpointLevel {
    return this.child('endpoint', name, (path) => new EndpointLevel(this.settings, path));
  }
}

export class NamespaceLevel extends MetricsLevel {
  /** @internal */
  constructor(settings: RootSettings, path: readonly string[]) {
    super(settings, path);
  }

  namespace(name: string): NamespaceLevel {
    return this.child('namespace', name, (path) => new NamespaceLevel(this.settings, path));
  }

  component(name: string): ComponentLevel {
    return this.child('component', name, (path) => new ComponentLevel(this.settings, path));
  }
}

export class MetricsRoot extends MetricsLevel {
  /** @internal Use createMetricsRoot(). */
  constructor(settings: RootSettings) {
    super(settings, []);
  }

  override get isRoot(): boolean {
    return true;
  }

  namespace(name: string): NamespaceLevel {
    return this.child('namespace', name, (path) => new NamespaceLevel(this.settings, path));
  }
}
