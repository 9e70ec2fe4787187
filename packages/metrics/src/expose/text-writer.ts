import { escapeHelp } from '../format/escape.ts';
import { formatLeText, formatValue } from '../format/number.ts';
import type { FamilyHeader, HistogramPoint, ScalarPoint, SummaryPoint } from '../model/family.ts';
import { type FormatWriter, seriesName, seriesNameWith } from './writer.ts';

/**
 * Prometheus text 0.0.4, as the Rust encoder writes it: HELP, TYPE, labels sorted by name with `le` /
 * `quantile` last, `+Inf` bucket last, `_sum` then `_count`, timestamps in integer milliseconds, no
 * exemplars. Label values and HELP were escaped when the label text was rendered / are escaped here.
 */
export const textWriter: FormatWriter = {
  format: 'text',
  trailer: '',

  header(family: FamilyHeader): string {
    const help = family.help === undefined ? '' : `# HELP ${family.name} ${escapeHelp(family.help, false)}\n`;
    return family.typeDeclared === false ? help : `${help}# TYPE ${family.name} ${family.type}\n`;
  },

  scalarName(family: FamilyHeader): string {
    return family.name;
  },

  scalar(point: ScalarPoint, sampleName: string, _counter: boolean, useSeriesText: boolean): string {
    const series = (useSeriesText ? point.seriesText : undefined) ?? seriesName(sampleName, point.labelText);
    return textSampleLine(series, point.value, point.timestampMs);
  },

  les(bounds: ArrayLike<number>): readonly string[] {
    return [...Array.from(bounds, formatLeText), '+Inf'];
  },

  histogram(point: HistogramPoint, name: string, les: readonly string[]): string {
    const labels = point.labelText;
    // Joined, not a template literal: a flat string (see util/series-text.ts) that every bucket line of
    // the series copies, rather than a cons string each line's flattening walks again.
    const bucketOpen = [name, labels.length === 0 ? '_bucket{le="' : `_bucket{${labels},le="`].join('');
    // One synchronous pass over counts, sum and count: the snapshot is consistent (+Inf == _count).
    const counts = point.counts;
    const cumulative = point.cumulative === true;
    let text = '';
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      total = cumulative ? (counts[i] as number) : total + (counts[i] as number);
      text += `${bucketOpen}${les[i]}"} ${total}\n`;
    }
    const plain = labels.length === 0 ? '' : `{${labels}}`;
    if (point.sum !== undefined) text += `${name}_sum${plain} ${formatValue(point.sum)}\n`;
    return `${text}${name}_count${plain} ${total}\n`;
  },

  summary(point: SummaryPoint, name: string): string {
    let text = '';
    for (let i = 0; i < point.quantiles.length; i++) {
      const quantile = formatValue(point.quantiles[i] as number);
      text += `${seriesNameWith(name, point.labelText, `quantile="${quantile}"`)} ${formatValue(point.values[i] as number)}\n`;
    }
    if (point.sum !== undefined)
      text += `${seriesName(`${name}_sum`, point.labelText)} ${formatValue(point.sum)}\n`;
    if (point.count !== undefined) text += `${seriesName(`${name}_count`, point.labelText)} ${point.count}\n`;
    return text;
  },
};

/**
 * One 0.0.4 sample line: `name{labels} value[ timestamp]`, the timestamp in integer milliseconds (left
 * out when it is not a safe integer). Also used by `serializePrometheusText` for foreign samples.
 */
export function textSampleLine(series: string, value: number, timestampMs: number | undefined): string {
  const ms = timestampMs === undefined ? undefined : Math.round(timestampMs);
  const timestamp = ms !== undefined && Number.isSafeInteger(ms) ? ` ${ms}` : '';
  return `${series} ${formatValue(value)}${timestamp}\n`;
}
