import type { ExpositionFormat } from '../format/content-type.ts';
import type { FamilyHeader, HistogramPoint, ScalarPoint, SummaryPoint } from '../model/family.ts';

/**
 * One exposition format's text writer. The encoder (`encode.ts`) drives it over the merged families —
 * slicing, chunking, streaming — and the writer only turns one family header or one series into lines.
 * There is exactly one per format: `text-writer.ts` (0.0.4) and `openmetrics-writer.ts` (1.0).
 */
export interface FormatWriter {
  readonly format: ExpositionFormat;
  /** `# HELP` (when the family has HELP) and `# TYPE`. */
  header(family: FamilyHeader): string;
  /** The sample name of a counter, gauge or untyped family's series. */
  scalarName(family: FamilyHeader): string;
  /** One series of a counter, gauge or untyped family; `useSeriesText`: `sampleName` is the family name. */
  scalar(point: ScalarPoint, sampleName: string, counter: boolean, useSeriesText: boolean): string;
  histogram(point: HistogramPoint, name: string, les: readonly string[]): string;
  /** The `le` values for these bounds, `+Inf` last (cached per bounds object by the encoder). */
  les(bounds: ArrayLike<number>): readonly string[];
  summary(point: SummaryPoint, name: string): string;
  /** What ends the body (`# EOF\n` in OpenMetrics). */
  readonly trailer: string;
}

/** `name` or `name{labels}`. */
export function seriesName(name: string, labelText: string): string {
  return labelText.length === 0 ? name : `${name}{${labelText}}`;
}

/** `name{labels,extra}` for bucket and quantile lines. */
export function seriesNameWith(name: string, labelText: string, extra: string): string {
  return labelText.length === 0 ? `${name}{${extra}}` : `${name}{${labelText},${extra}}`;
}
