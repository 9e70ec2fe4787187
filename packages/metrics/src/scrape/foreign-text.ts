import { diag } from '@dynotel/core';
import {
  type ExpositionFamily,
  type ExpositionLabel,
  parseExposition,
  serializePrometheusText,
  validateExpositionText,
} from '../foreign/index.ts';
import { formatLabels } from '../foreign/serialize.ts';
import type { ExpositionFormat } from '../format/content-type.ts';
import { escapeHelp } from '../format/escape.ts';
import { formatLeOpenMetrics, formatValue } from '../format/number.ts';
import { conflictingFamiliesDropped, expositionTextDropped } from '../self-metrics.ts';
import type { MergedFamily } from './merge.ts';

/**
 * Exposition-callback text, made safe to append (Dynamo appends it unchecked, reference §2.4):
 *
 * 1. The strict parser of `src/foreign` validates it; rejected text is dropped whole, logged, counted.
 * 2. A family whose name is already in the body (ours, or an earlier callback's) is dropped and counted as
 *    a conflicting family: a second HELP/TYPE for one name makes Prometheus reject the whole scrape.
 * 3. For an OpenMetrics scrape each family is rewritten in OpenMetrics form (counter metadata without
 *    `_total`, `unknown` for untyped, canonical `le`, seconds timestamps) and checked again with the
 *    strict OpenMetrics parser, because appended 0.0.4 text is not valid OpenMetrics.
 */
export function foreignBlocks(
  texts: ReadonlyArray<unknown>,
  format: ExpositionFormat,
  ownFamilies: readonly MergedFamily[],
  reservedNames: readonly string[] = [],
): string[] {
  const taken = new Set<string>(reservedNames);
  for (const family of ownFamilies) {
    taken.add(family.name);
    if (family.type === 'counter' && family.name.endsWith('_total')) taken.add(family.name.slice(0, -6));
  }
  const blocks: string[] = [];
  for (const text of texts) {
    if (text === undefined || text === '') continue;
    if (typeof text !== 'string') {
      dropText(`exposition callback returned a ${typeof text}, not a string`);
      continue;
    }
    const validated = validateExpositionText(text);
    if (!validated.ok) {
      dropText(validated.reason);
      continue;
    }
    const parsed = parseExposition(validated.text, { format: 'text' });
    if (!parsed.ok) {
      dropText(`line ${parsed.error.line}: ${parsed.error.message}`);
      continue;
    }
    let block = '';
    for (const family of parsed.exposition.families) {
      const names = [family.name, ...(format === 'openmetrics' ? [openMetricsName(family)] : [])];
      if (names.some((name) => taken.has(name))) {
        dropFamily(family.name, 'a family of this name is already in the scrape');
        continue;
      }
      const encoded = format === 'openmetrics' ? toOpenMetrics(family) : serializePrometheusText([family]);
      if (encoded === undefined) {
        dropFamily(family.name, 'it has no valid OpenMetrics form');
        continue;
      }
      for (const name of names) taken.add(name);
      block += encoded;
    }
    if (block.length > 0) blocks.push(block);
  }
  return blocks;
}

function dropText(reason: string): void {
  expositionTextDropped.inc();
  diag.warn('dynotel.metrics', 'exposition callback text failed validation; dropped', { reason });
}

function dropFamily(family: string, reason: string): void {
  conflictingFamiliesDropped.inc();
  diag.warn('dynotel.metrics', `exposition callback family dropped: ${reason}`, { family });
}

function openMetricsName(family: ExpositionFamily): string {
  return family.type === 'counter' && family.name.endsWith('_total') ? family.name.slice(0, -6) : family.name;
}

function toOpenMetrics(family: ExpositionFamily): string | undefined {
  const name = openMetricsName(family);
  const type = family.type === 'untyped' ? 'unknown' : family.type;
  let out = family.help === undefined ? '' : `# HELP ${name} ${escapeHelp(family.help, true)}\n`;
  if (family.typeDeclared) out += `# TYPE ${name} ${type}\n`;
  for (const sample of family.samples) {
    const sampleName = family.type === 'counter' ? `${name}_total` : sample.name;
    const labels = sample.labels.map(canonicalLabel);
    out += `${sampleName}${labels.length > 0 ? formatLabels(labels) : ''} ${formatValue(sample.value)}`;
    if (sample.timestampMs !== undefined) out += ` ${sample.timestampMs / 1000}`;
    out += '\n';
  }
  const check = parseExposition(`${out}# EOF\n`, { format: 'openmetrics' });
  return check.ok ? out : undefined;
}

function canonicalLabel(label: ExpositionLabel): ExpositionLabel {
  if (label.name !== 'le' && label.name !== 'quantile') return label;
  const value = Number(label.value === '+Inf' ? Infinity : label.value);
  return Number.isNaN(value) ? label : { name: label.name, value: formatLeOpenMetrics(value) };
}
