import { escapeHelp } from '../format/escape.ts';
import { formatOpenMetricsNumber, formatValue } from '../format/number.ts';
import { renderExemplar } from '../instruments/exemplar.ts';
import {
  counterBaseName,
  type FamilyHeader,
  type HistogramPoint,
  type ScalarPoint,
  type SummaryPoint,
} from '../model/family.ts';
import { type FormatWriter, seriesName, seriesNameWith } from './writer.ts';

/**
 * OpenMetrics 1.0: a counter family is named without `_total` in its metadata and with it in its samples;
 * untyped is `unknown`; HELP escapes `"` too; `le` and `quantile` are canonical numbers (`1.0`, `1e-09`,
 * `1e+06`); a histogram with a negative bucket bound or a negative sum has no `_sum` — and therefore no
 * `_count`, which OpenMetrics allows only beside a `_sum`; timestamps are seconds; exemplars on counters and buckets; the
 * body ends with `# EOF` and has no blank lines.
 */
export const openMetricsWriter: FormatWriter = {
  format: 'openmetrics',
  trailer: '# EOF\n',

  header(family: FamilyHeader): string {
    const name = family.type === 'counter' ? counterBaseName(family.name) : family.name;
    const type = family.type === 'untyped' ? 'unknown' : family.type;
    const help = family.help === undefined ? '' : `# HELP ${name} ${escapeHelp(family.help, true)}\n`;
    return family.typeDeclared === false ? help : `${help}# TYPE ${name} ${type}\n`;
  },

  scalarName(family: FamilyHeader): string {
    return family.type === 'counter' ? `${counterBaseName(family.name)}_total` : family.name;
  },

  scalar(point: ScalarPoint, sampleName: string, counter: boolean, useSeriesText: boolean): string {
    const series = (useSeriesText ? point.seriesText : undefined) ?? seriesName(sampleName, point.labelText);
    let line = `${series} ${formatValue(point.value)}`;
    if (point.timestampMs !== undefined) line += ` ${point.timestampMs / 1000}`;
    if (counter) {
      if (point.exemplarTraceId !== undefined) {
        line += renderExemplar(
          point.exemplarTraceId,
          point.exemplarSpanId ?? '',
          formatValue(point.exemplarValue ?? 0),
        );
      } else if (point.exemplarLabelText !== undefined) {
        line += ` # {${point.exemplarLabelText}} ${formatValue(point.exemplarValue ?? 0)}`;
      }
    }
    return `${line}\n`;
  },

  les(bounds: ArrayLike<number>): readonly string[] {
    return [...Array.from(bounds, formatOpenMetricsNumber), '+Inf'];
  },

  histogram(point: HistogramPoint, name: string, les: readonly string[]): string {
    const labels = point.labelText;
    // Flat (see text-writer.ts): every bucket line of the series copies it.
    const bucketOpen = [name, labels.length === 0 ? '_bucket{le="' : `_bucket{${labels},le="`].join('');
    const counts = point.counts;
    const cumulative = point.cumulative === true;
    const traceIds = point.exemplarTraceIds;
    let text = '';
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      total = cumulative ? (counts[i] as number) : total + (counts[i] as number);
      text += `${bucketOpen}${les[i]}"} ${total}`;
      const traceId = traceIds?.[i];
      if (traceId !== undefined) {
        text += renderExemplar(
          traceId,
          point.exemplarSpanIds?.[i] ?? '',
          formatValue(point.exemplarValues?.[i] ?? 0),
        );
      }
      text += '\n';
    }
    // OpenMetrics: sum and buckets are counters (never negative or NaN), and a histogram with a negative
    // bucket bound has no sum. Without the sum `_count` must go too (it is only allowed beside `_sum`).
    const negativeBound = point.bounds.length > 0 && (point.bounds[0] as number) < 0;
    if (point.sum === undefined || !(point.sum >= 0) || negativeBound) return text;
    const plain = labels.length === 0 ? '' : `{${labels}}`;
    return `${text}${name}_sum${plain} ${formatValue(point.sum)}\n${name}_count${plain} ${total}\n`;
  },

  summary(point: SummaryPoint, name: string): string {
    let text = '';
    for (let i = 0; i < point.quantiles.length; i++) {
      const quantile = formatOpenMetricsNumber(point.quantiles[i] as number);
      text += `${seriesNameWith(name, point.labelText, `quantile="${quantile}"`)} ${formatValue(point.values[i] as number)}\n`;
    }
    // `_sum` is counter-like in OpenMetrics: never negative or NaN (a summary of negative values has none).
    if (point.sum !== undefined && point.sum >= 0) {
      text += `${seriesName(`${name}_sum`, point.labelText)} ${formatValue(point.sum)}\n`;
    }
    if (point.count !== undefined) text += `${seriesName(`${name}_count`, point.labelText)} ${point.count}\n`;
    return text;
  },
};
