import type { ExpositionLabel } from './model.ts';

const byName = (a: ExpositionLabel, b: ExpositionLabel): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Identity of a series: name plus label pairs sorted by name (NUL-separated, so it cannot be forged). */
export function seriesKey(name: string, labels: readonly ExpositionLabel[]): string {
  return seriesKeyWithout(name, labels, undefined);
}

/** The same, ignoring one label (histogram buckets of one series differ only in `le`). */
export function seriesKeyWithout(
  name: string,
  labels: readonly ExpositionLabel[],
  ignored: string | undefined,
): string {
  let key = name;
  for (const label of [...labels].sort(byName)) {
    if (label.name !== ignored) key += `\u0000${label.name}\u0001${label.value}`;
  }
  return key;
}
