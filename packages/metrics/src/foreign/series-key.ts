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
  for (const label of sortedByName(labels)) {
    if (label.name !== ignored) key += `\u0000${label.name}\u0001${label.value}`;
  }
  return key;
}

/** The labels in name order; the input itself when it already is (the common case), without copying. */
function sortedByName(labels: readonly ExpositionLabel[]): readonly ExpositionLabel[] {
  for (let i = 1; i < labels.length; i++) {
    if ((labels[i - 1] as ExpositionLabel).name > (labels[i] as ExpositionLabel).name) {
      return [...labels].sort(byName);
    }
  }
  return labels;
}
