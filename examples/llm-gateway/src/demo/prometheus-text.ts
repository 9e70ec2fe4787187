/**
 * Just enough of the Prometheus text format to read the services' own /metrics back: samples with
 * labels, sums over series, and `histogram_quantile` as Prometheus computes it.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

type LabelFilter = Readonly<Record<string, string>>;

function matches(sample: Sample, name: string, filter: LabelFilter): boolean {
  if (sample.name !== name) return false;
  for (const [key, value] of Object.entries(filter)) if (sample.labels[key] !== value) return false;
  return true;
}

/** Sum of every series of `name` whose labels include `filter`. */
export function sum(samples: readonly Sample[], name: string, filter: LabelFilter = {}): number {
  let total = 0;
  for (const s of samples) if (matches(s, name, filter)) total += s.value;
  return total;
}

/** Sums of `name` grouped by one label. */
export function sumBy(samples: readonly Sample[], name: string, label: string, filter: LabelFilter = {}) {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (!matches(s, name, filter)) continue;
    const key = s.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/**
 * `histogram_quantile(q, sum by (le) (<name>_bucket))`: linear interpolation inside the bucket that holds
 * the rank (the lowest bucket starts at 0 unless its bound is negative). Undefined with no observations.
 */
export function histogramQuantile(samples: readonly Sample[], name: string, q: number): number | undefined {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  const buckets = [...byBound.entries()].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return previousBound;
      if (count === previousCount) return bound;
      const lower = Math.min(previousBound, bound);
      return lower + ((bound - lower) * (rank - previousCount)) / (count - previousCount);
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

/** Mean of a histogram or summary: `_sum / _count` over all series. */
export function mean(samples: readonly Sample[], name: string): number | undefined {
  const count = sum(samples, `${name}_count`);
  return count === 0 ? undefined : sum(samples, `${name}_sum`) / count;
}
