import { diag } from '@dynotel/core';
import type { MetricType } from '../instruments/definition.ts';
import type { Series } from '../instruments/series-store.ts';
import { conflictingFamiliesDropped, duplicateSeriesDropped } from '../self-metrics.ts';

/** Anything that exports one family: a metric of some level, or a self-metric. */
export interface FamilySource<S extends Series = Series> {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  series(): readonly S[];
}

export interface MergedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** Series lists in gather order, duplicates already removed. */
  readonly parts: Array<readonly Series[]>;
}

interface Building extends MergedFamily {
  seen: Set<string> | undefined;
}

/**
 * Dynamo's merge (`prometheus_expfmt_combined`, reference §2.4) with one deliberate difference: families
 * are merged by name and exact duplicate series (same label text, which is canonical) are dropped, first
 * wins, and counted; but a family whose HELP or TYPE differs from the first one of that name is dropped
 * on its own and counted, instead of failing the whole scrape as Dynamo does (client_golang's Gatherers
 * behave the same way). Families come back sorted by name.
 *
 * Written here rather than using @prometheus-io/client's `Registry.merge`, which throws on any repeated
 * name and has no notion of series identity.
 *
 * Cost: a family seen once is passed through by reference. Only when a name repeats is a Set of label
 * texts built, so a single 100k-series metric costs nothing here.
 */
export class FamilyMerger {
  readonly #byName = new Map<string, Building>();

  add(source: FamilySource): void {
    const byName = this.#byName;
    const series = source.series();
    const first = byName.get(source.name);
    if (first === undefined) {
      byName.set(source.name, {
        name: source.name,
        help: source.help,
        type: source.type,
        parts: [series],
        seen: undefined,
      });
      return;
    }
    if (first.help !== source.help || first.type !== source.type) {
      conflictingFamiliesDropped.inc();
      // Once per family: the same conflict recurs on every scrape and would flood the log.
      diag.once(`dynotel.metrics.conflict.${source.name}`, {
        level: 'warn',
        target: 'dynotel.metrics',
        message: 'Metric family has inconsistent help/type across registries; dropping the later one',
        fields: { family: source.name, keptType: first.type, droppedType: source.type },
      });
      return;
    }
    if (first.seen === undefined) {
      first.seen = new Set();
      for (const part of first.parts) for (const s of part) first.seen.add(s.labelText);
    }
    const kept: Series[] = [];
    let dropped = 0;
    for (const s of series) {
      if (first.seen.has(s.labelText)) {
        dropped++;
        continue;
      }
      first.seen.add(s.labelText);
      kept.push(s);
    }
    if (dropped > 0) {
      duplicateSeriesDropped.inc(undefined, dropped);
      diag.once(`dynotel.metrics.duplicate.${source.name}`, {
        level: 'warn',
        target: 'dynotel.metrics',
        message: 'Duplicate Prometheus series while merging registries; dropping later sample',
        fields: { family: source.name, dropped },
      });
    }
    if (kept.length > 0) first.parts.push(kept);
  }

  /** The merged families, sorted by name. */
  families(): MergedFamily[] {
    return [...this.#byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** Merges in one go (see FamilyMerger). */
export function mergeFamilies(sources: Iterable<FamilySource>): MergedFamily[] {
  const merger = new FamilyMerger();
  for (const source of sources) merger.add(source);
  return merger.families();
}
