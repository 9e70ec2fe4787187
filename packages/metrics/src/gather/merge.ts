import { diag } from '@dynotel/core';
import {
  type Family,
  type FamilyOrigin,
  type ForeignFamily,
  type HistogramPoint,
  isRendered,
  ownedSampleNames,
  type RenderedFamily,
  type ScalarPoint,
  type SummaryPoint,
} from '../model/family.ts';
import { duplicateSeriesDropped, familiesDropped } from '../self-metrics.ts';

interface MergedMeta {
  readonly name: string;
  readonly help: string | undefined;
  readonly origin: FamilyOrigin;
  /**
   * A foreign family already written as sample lines in the scrape's format (see `RenderedFamily`):
   * the encoder writes HELP/TYPE and then these chunks; `parts` is empty.
   */
  readonly rendered?: readonly string[] | undefined;
}

/** A family of the merged scrape: its series lists in gather order, duplicates already removed. */
export type MergedFamily =
  | (MergedMeta & {
      readonly type: 'counter' | 'gauge' | 'untyped';
      readonly parts: Array<readonly ScalarPoint[]>;
    })
  | (MergedMeta & { readonly type: 'histogram'; readonly parts: Array<readonly HistogramPoint[]> })
  | (MergedMeta & { readonly type: 'summary'; readonly parts: Array<readonly SummaryPoint[]> });

interface Entry {
  family: MergedFamily;
  /** Label texts of every kept series; built only when a second part arrives. */
  seen: Set<string> | undefined;
  /** Set while `family` is rendered text: reads it again as points when a second part arrives. */
  rederive: (() => Promise<Family>) | undefined;
}

/** Why a whole family was left out of a scrape (`dynotel_metrics_families_dropped_total{reason}`). */
export type FamilyDropReason = 'conflicting_metadata' | 'name_clash' | 'unrepresentable';

/**
 * The one merge of a scrape, with client_golang `Gatherers`' consistency rules. Families are offered in
 * precedence order — own registries (levels pre-order, metrics in registration order), then the dynotel
 * self-metrics, then exposition-callback and engine text in registration order — and the first claim wins:
 *
 * - Same name, same TYPE and HELP: merged; a series (label text) already present is dropped and counted in
 *   `dynotel_metrics_duplicate_series_dropped_total` (Dynamo's merge, first wins).
 * - Same name, different TYPE or HELP: the later family is dropped whole (reason `conflicting_metadata`).
 *   Dynamo fails the whole scrape instead.
 * - Every sample name a family writes in either format (`ownedSampleNames`: the bare name, `_total`,
 *   `_created`, `_bucket`, `_sum`, `_count`) belongs to it alone: a later family claiming one of them —
 *   a gauge `foo_count` beside a histogram `foo`, a gauge `foo_sum`, a counter `foo` beside a counter
 *   `foo_total` — is dropped whole (reason `name_clash`).
 *
 * A registered family reserves its names even while it has no series, so what is dropped does not change
 * from scrape to scrape. Each drop is counted in `dynotel_metrics_families_dropped_total{reason}` and
 * warned about once per family.
 *
 * Cost: a family seen once is passed through by reference; a Set of label texts is built only when a
 * name repeats, so a single 100k-series metric costs nothing here. A foreign family that arrives already
 * rendered as text (see `RenderedFamily`) is read again as points only when its name repeats.
 */
export class FamilyMerger {
  readonly #byName = new Map<string, Entry>();
  /** Sample name → name of the family that owns it. */
  readonly #owners = new Map<string, string>();
  /** `origin/name` of the families dropped whole by this merge (a refresh must not count them twice). */
  readonly #dropped = new Set<string>();

  add(family: Family, origin: FamilyOrigin): void {
    const entry = this.#byName.get(family.name);
    if (entry === undefined || !sameMetadata(entry.family, family)) {
      this.#offer(family, origin);
      return;
    }
    appendPart(entry, family);
  }

  /** A family whose name is new (added) or held with other metadata (dropped whole). */
  #offer(family: Family | RenderedFamily, origin: FamilyOrigin): void {
    const entry = this.#byName.get(family.name);
    if (entry === undefined) {
      this.#addNew(family, origin);
      return;
    }
    this.#dropped.add(`${origin}/${family.name}`);
    drop(
      family,
      'conflicting_metadata',
      `a ${entry.family.type} family of this name with other HELP/TYPE came first`,
    );
  }

  /** Whether a family of this name was offered and kept (a later one of the name merges into it). */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * `add` for a foreign family, which may come rendered as text: when its name repeats, the rendered
   * side is read again as points (sliced by its source's pacing) and the series are merged as usual.
   */
  async addForeign(family: ForeignFamily): Promise<void> {
    const entry = this.#byName.get(family.name);
    if (entry === undefined || !sameMetadata(entry.family, family)) {
      this.#offer(family, 'foreign');
      return;
    }
    if (entry.rederive !== undefined) {
      entry.family = single(await entry.rederive(), entry.family.origin);
      entry.rederive = undefined;
    }
    appendPart(entry, isRendered(family) ? await family.rederive() : family);
  }

  /**
   * Replaces the series of a family this merger holds from `origin` (the self-metrics, read again at the
   * end of a scrape so they include what it dropped); a family not yet held is added by the usual rules.
   */
  refresh(family: Family, origin: FamilyOrigin): void {
    if (this.#dropped.has(`${origin}/${family.name}`)) return;
    const entry = this.#byName.get(family.name);
    if (entry === undefined) {
      this.add(family, origin);
      return;
    }
    if (entry.family.origin !== origin || entry.family.type !== family.type) return;
    entry.family = single(family, origin);
    entry.seen = undefined;
    entry.rederive = undefined;
  }

  /** The merged families, sorted by name. */
  families(): MergedFamily[] {
    return [...this.#byName.values()]
      .map((entry) => entry.family)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #addNew(family: Family | RenderedFamily, origin: FamilyOrigin): void {
    const names = ownedSampleNames(family.name, family.type);
    for (const name of names) {
      const owner = this.#owners.get(name);
      if (owner !== undefined) {
        this.#dropped.add(`${origin}/${family.name}`);
        drop(family, 'name_clash', `its sample name '${name}' belongs to family '${owner}'`);
        return;
      }
    }
    for (const name of names) this.#owners.set(name, family.name);
    if (isRendered(family)) {
      const { name, help, type, chunks, rederive } = family;
      this.#byName.set(name, {
        family: { name, help, origin, type, parts: [], rendered: chunks } as MergedFamily,
        seen: undefined,
        rederive,
      });
    } else {
      this.#byName.set(family.name, { family: single(family, origin), seen: undefined, rederive: undefined });
    }
  }
}

function sameMetadata(merged: MergedFamily, family: Family | RenderedFamily): boolean {
  return merged.type === family.type && merged.help === family.help;
}

function single(family: Family, origin: FamilyOrigin): MergedFamily {
  const meta = { name: family.name, help: family.help, origin };
  switch (family.type) {
    case 'histogram':
      return { ...meta, type: family.type, parts: [family.points] };
    case 'summary':
      return { ...meta, type: family.type, parts: [family.points] };
    default:
      return { ...meta, type: family.type, parts: [family.points] };
  }
}

/** Adds the series of `family` not yet present (same type, checked by the caller). */
function appendPart(entry: Entry, family: Family): void {
  const merged = entry.family;
  if (entry.seen === undefined) {
    const seen = new Set<string>();
    for (const part of merged.parts) for (const point of part) seen.add(point.labelText);
    entry.seen = seen;
  }
  const seen = entry.seen;
  let dropped = 0;
  const fresh = <P extends { readonly labelText: string }>(points: readonly P[]): P[] => {
    const kept: P[] = [];
    for (const point of points) {
      if (seen.has(point.labelText)) {
        dropped++;
        continue;
      }
      seen.add(point.labelText);
      kept.push(point);
    }
    return kept;
  };
  if (merged.type === 'histogram' && family.type === 'histogram') merged.parts.push(fresh(family.points));
  else if (merged.type === 'summary' && family.type === 'summary') merged.parts.push(fresh(family.points));
  else if (
    merged.type !== 'histogram' &&
    merged.type !== 'summary' &&
    family.type !== 'histogram' &&
    family.type !== 'summary'
  )
    merged.parts.push(fresh(family.points));
  if (dropped > 0) {
    duplicateSeriesDropped.inc(undefined, dropped);
    diag.once(`dynotel.metrics.duplicate.${family.name}`, {
      level: 'warn',
      target: 'dynotel.metrics',
      message: 'Duplicate Prometheus series while merging registries; dropping later sample',
      fields: { family: family.name, dropped },
    });
  }
}

function drop(family: Family | RenderedFamily, reason: FamilyDropReason, why: string): void {
  familiesDropped.inc({ reason });
  // Once per family and reason: the same conflict recurs on every scrape and would flood the log.
  diag.once(`dynotel.metrics.family-dropped.${reason}.${family.name}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: `Metric family dropped from the scrape: ${why}`,
    fields: { family: family.name, type: family.type, reason },
  });
}
