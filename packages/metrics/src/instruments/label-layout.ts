import { escapeLabelValue } from '../format/escape.ts';

/**
 * Where each label of a metric goes in a series' label text. Labels are printed sorted by name (as the
 * Rust encoder does), so the text of a series is canonical and doubles as its identity when registries
 * are merged. Const and auto labels are escaped once here; only the variable values are escaped per series.
 */
interface Slot {
  /** `name="` with a leading comma unless first. */
  readonly open: string;
  /** Index into the variable values, or -1 for a const label. */
  readonly variableIndex: number;
  readonly constValue: string;
}

export const OVERFLOW_LABEL = 'otel_metric_overflow';

export class LabelLayout {
  readonly variableNames: readonly string[];
  readonly #slots: readonly Slot[];
  /** The label text of the series without variable labels, and of the overflow series. */
  readonly constText: string;
  readonly overflowText: string;

  constructor(constLabels: ReadonlyArray<readonly [string, string]>, variableNames: readonly string[]) {
    this.variableNames = variableNames;
    const entries: Array<{ name: string; variableIndex: number; constValue: string }> = [];
    for (const [name, value] of constLabels) entries.push({ name, variableIndex: -1, constValue: value });
    variableNames.forEach((name, variableIndex) => {
      entries.push({ name, variableIndex, constValue: '' });
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.#slots = entries.map((entry, index) => ({
      open: `${index === 0 ? '' : ','}${entry.name}="`,
      variableIndex: entry.variableIndex,
      constValue: escapeLabelValue(entry.constValue),
    }));
    this.constText = renderPairs(constLabels);
    this.overflowText = renderPairs([...constLabels, [OVERFLOW_LABEL, 'true']]);
  }

  /** The label text for these (already normalised) variable values. */
  render(values: readonly string[]): string {
    let text = '';
    for (const slot of this.#slots) {
      const value =
        slot.variableIndex < 0 ? slot.constValue : escapeLabelValue(values[slot.variableIndex] ?? '');
      text += `${slot.open}${value}"`;
    }
    return text;
  }
}

function renderPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  return [...pairs]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
    .join(',');
}

/** Renders an arbitrary label record canonically (self-metrics). */
export function renderLabelRecord(labels: Readonly<Record<string, string>>): string {
  return renderPairs(Object.entries(labels));
}
