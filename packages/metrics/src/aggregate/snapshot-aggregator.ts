import { diag } from '@dynotel/core';
import { DEFAULT_FOREIGN_TEXT_MAX_BYTES, exceedsBytes } from '../foreign/limits.ts';
import type {
  ExpositionFamily,
  ExpositionLabel,
  ExpositionSample,
  MetricFamilyType,
} from '../foreign/model.ts';
import { parseExposition } from '../foreign/parser.ts';
import { serializePrometheusText, toPrometheusFamilies } from '../foreign/serialize.ts';
import { seriesKey, seriesKeyWithout } from '../foreign/series-key.ts';
import { aggregationRule, DEFAULT_PER_WORKER_PREFIXES, DEFAULT_WORKER_LABEL } from './rules.ts';
import { type AggregateDropReason, aggregateSeriesDropped } from './self-metrics.ts';

export interface SnapshotAggregatorOptions {
  /** Label naming the worker on per-worker families. Default `cluster_worker` (Dynamo's `worker_id` is its instance id). */
  readonly workerLabel?: string | undefined;
  /** Family name prefixes that are never summed. Default `process_`, `nodejs_`, `dynotel_`. */
  readonly perWorkerPrefixes?: readonly string[] | undefined;
  /** A snapshot longer than this many UTF-8 bytes is refused whole and counted. Default 16 MiB. */
  readonly maxBytes?: number | undefined;
}

interface SummedSample {
  readonly name: string;
  readonly labels: readonly ExpositionLabel[];
  value: number;
}

interface SummedFamily {
  readonly type: MetricFamilyType;
  readonly help: string | undefined;
  /** By series key (sample name and sorted labels), in first-seen order. */
  readonly samples: Map<string, SummedSample>;
  /** Histogram series (labels without `le`) → its bucket bounds, as the first worker wrote them. */
  readonly bounds: Map<string, string>;
}

interface PerWorkerFamily {
  readonly type: MetricFamilyType;
  readonly help: string | undefined;
  readonly samples: ExpositionSample[];
}

/**
 * Aggregates the exposition snapshots of the workers of one service (node:cluster workers, worker
 * threads) into the families of one scrape, on the neutral exposition model: each snapshot is parsed
 * into families, the families are combined per `aggregationRule`, and the result is handed to the
 * scrape pipeline once (as exposition text of one source, so the merge and exposition run once).
 *
 * Counters never go backwards for the service as a whole: when a worker goes away (`retire`), the
 * summed series of its last snapshot join a baseline that every later aggregate starts from, so a worker
 * restarted under load (a new worker, counting from 0) adds to what the old one had counted and
 * `rate()` over the aggregate sees no reset. A worker that missed this round (`fresh` excludes it) still
 * contributes its last counters and histograms; its gauges are left out, as stale.
 */
export class SnapshotAggregator {
  readonly #workerLabel: string;
  readonly #perWorkerPrefixes: readonly string[];
  readonly #maxBytes: number;
  readonly #latest = new Map<string, readonly ExpositionFamily[]>();
  readonly #retired = new Map<string, SummedFamily>();

  constructor(options: SnapshotAggregatorOptions = {}) {
    this.#workerLabel = options.workerLabel ?? DEFAULT_WORKER_LABEL;
    this.#perWorkerPrefixes = options.perWorkerPrefixes ?? DEFAULT_PER_WORKER_PREFIXES;
    this.#maxBytes = options.maxBytes ?? DEFAULT_FOREIGN_TEXT_MAX_BYTES;
  }

  /**
   * Records `worker`'s latest snapshot (Prometheus text 0.0.4 or OpenMetrics). Returns false, keeping
   * the previous snapshot, when the text is refused (too large, not valid exposition text): counted.
   */
  offer(worker: string, text: string): boolean {
    if (exceedsBytes(text, this.#maxBytes)) return refuse(worker, 'too_large');
    const parsed = parseExposition(text);
    if (!parsed.ok) return refuse(worker, 'invalid_text', parsed.error.message);
    this.#latest.set(worker, toPrometheusFamilies(parsed.exposition));
    return true;
  }

  /** The workers with a snapshot (not retired). */
  workers(): string[] {
    return [...this.#latest.keys()];
  }

  /** `worker` is gone for good: its summed series join the baseline, its per-worker series are dropped. */
  retire(worker: string): void {
    const families = this.#latest.get(worker);
    if (families === undefined) return;
    this.#latest.delete(worker);
    const types = new Map<string, MetricFamilyType>();
    for (const [name, family] of this.#retired) types.set(name, family.type);
    this.#addSummed(this.#retired, types, families);
  }

  /** The aggregated families; per-worker families only of the workers in `fresh`. */
  aggregate(fresh: ReadonlySet<string>): ExpositionFamily[] {
    const summed = cloneSummed(this.#retired);
    const perWorker = new Map<string, PerWorkerFamily>();
    const types = new Map<string, MetricFamilyType>();
    for (const [name, family] of summed) types.set(name, family.type);
    for (const [worker, families] of this.#latest) {
      this.#addSummed(summed, types, families);
      if (fresh.has(worker)) this.#addPerWorker(perWorker, types, worker, families);
    }
    const out: ExpositionFamily[] = [];
    for (const [name, family] of summed) {
      if (family.samples.size === 0) continue;
      const samples = [...family.samples.values()].map(({ name: sampleName, labels, value }) => ({
        name: sampleName,
        labels,
        value,
      }));
      out.push({ name, type: family.type, typeDeclared: true, help: family.help, samples });
    }
    for (const [name, family] of perWorker) {
      if (family.samples.length === 0) continue;
      out.push({ name, type: family.type, typeDeclared: true, help: family.help, samples: family.samples });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The aggregate as Prometheus text 0.0.4 (`''` when there is nothing). */
  text(fresh: ReadonlySet<string>): string {
    return serializePrometheusText(this.aggregate(fresh));
  }

  #rule(family: ExpositionFamily) {
    return aggregationRule(family.name, family.type, this.#perWorkerPrefixes);
  }

  #addSummed(
    into: Map<string, SummedFamily>,
    types: Map<string, MetricFamilyType>,
    families: readonly ExpositionFamily[],
  ): void {
    for (const family of families) {
      if (this.#rule(family) !== 'sum' || !claim(types, family)) continue;
      let target = into.get(family.name);
      if (target === undefined) {
        target = { type: family.type, help: family.help, samples: new Map(), bounds: new Map() };
        into.set(family.name, target);
      }
      const refused = family.type === 'histogram' ? mismatchedSeries(target, family) : undefined;
      for (const sample of family.samples) {
        if (refused?.has(seriesKeyWithout('', sample.labels, 'le')) === true) continue;
        const key = seriesKey(sample.name, sample.labels);
        const existing = target.samples.get(key);
        if (existing === undefined)
          target.samples.set(key, { name: sample.name, labels: sample.labels, value: sample.value });
        else existing.value += sample.value;
      }
    }
  }

  #addPerWorker(
    into: Map<string, PerWorkerFamily>,
    types: Map<string, MetricFamilyType>,
    worker: string,
    families: readonly ExpositionFamily[],
  ): void {
    for (const family of families) {
      if (this.#rule(family) !== 'per_worker' || !claim(types, family)) continue;
      let target = into.get(family.name);
      if (target === undefined) {
        target = { type: family.type, help: family.help, samples: [] };
        into.set(family.name, target);
      }
      for (const sample of family.samples) {
        target.samples.push({
          name: sample.name,
          labels: withWorker(sample.labels, this.#workerLabel, worker),
          value: sample.value,
        });
      }
    }
  }
}

/** The first worker to write a family decides its type; a later one with another type is dropped, counted. */
function claim(types: Map<string, MetricFamilyType>, family: ExpositionFamily): boolean {
  const first = types.get(family.name);
  if (first === undefined) {
    types.set(family.name, family.type);
    return true;
  }
  if (first === family.type) return true;
  count('type_conflict', family.name);
  return false;
}

/**
 * Histogram series of `family` whose bucket bounds differ from the ones `target` first saw for that
 * series (summing them would write buckets that are not cumulative); records the bounds of new series.
 */
function mismatchedSeries(target: SummedFamily, family: ExpositionFamily): Set<string> | undefined {
  const bounds = new Map<string, string>();
  for (const sample of family.samples) {
    if (!sample.name.endsWith('_bucket')) continue;
    const key = seriesKeyWithout('', sample.labels, 'le');
    const le = sample.labels.find((label) => label.name === 'le')?.value ?? '';
    bounds.set(key, bounds.has(key) ? `${bounds.get(key)},${le}` : le);
  }
  let refused: Set<string> | undefined;
  for (const [key, signature] of bounds) {
    const first = target.bounds.get(key);
    if (first === undefined) target.bounds.set(key, signature);
    else if (first !== signature) {
      refused ??= new Set();
      refused.add(key);
      count('bucket_mismatch', family.name);
    }
  }
  return refused;
}

/** Adds the worker label; a label of that name already present is kept, prefixed with the worker. */
function withWorker(
  labels: readonly ExpositionLabel[],
  labelName: string,
  worker: string,
): ExpositionLabel[] {
  const out: ExpositionLabel[] = [];
  let found = false;
  for (const label of labels) {
    if (label.name === labelName) {
      found = true;
      out.push({ name: labelName, value: `${worker}/${label.value}` });
    } else out.push(label);
  }
  if (!found) out.push({ name: labelName, value: worker });
  return out;
}

function cloneSummed(source: Map<string, SummedFamily>): Map<string, SummedFamily> {
  const out = new Map<string, SummedFamily>();
  for (const [name, family] of source) {
    const samples = new Map<string, SummedSample>();
    for (const [key, sample] of family.samples) samples.set(key, { ...sample });
    out.set(name, { ...family, samples, bounds: new Map(family.bounds) });
  }
  return out;
}

function refuse(worker: string, reason: AggregateDropReason, why?: string): false {
  aggregateSeriesDropped.inc({ reason });
  diag.once(`dynotel.cluster.snapshot.${reason}.${worker}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: 'A worker metrics snapshot was refused; its previous snapshot stays in the aggregate',
    fields: { worker, reason, ...(why === undefined ? {} : { error: why }) },
  });
  return false;
}

function count(reason: AggregateDropReason, family: string): void {
  aggregateSeriesDropped.inc({ reason });
  diag.once(`dynotel.cluster.family.${reason}.${family}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: 'Worker series left out of the aggregated scrape',
    fields: { family, reason },
  });
}
