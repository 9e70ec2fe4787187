import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExpositionFormat } from '../format/content-type.ts';
import { escapeHelp } from '../format/escape.ts';
import { formatLeOpenMetrics, formatLeText, formatValue } from '../format/number.ts';
import type { CounterChild } from '../instruments/counter.ts';
import { renderExemplar } from '../instruments/exemplar.ts';
import type { HistogramChild } from '../instruments/histogram.ts';
import type { Series } from '../instruments/series-store.ts';
import type { MergedFamily } from './merge.ts';

/** A scrape gives the event loop back after this long, so 100k series never block it for long. */
const SLICE_MS = 5;
/** How many series are written between two clock reads. */
const CHECK_EVERY = 256;
/** A chunk is handed out once it holds this many characters (a stream writes it while we encode on). */
const CHUNK_CHARS = 256 * 1024;

interface ScalarSeries extends Series {
  readonly value: number;
  /** `name{labels} `, cached on the series after its first scrape (flat, so later scrapes only copy it). */
  linePrefix?: string;
}

function samplePrefix(series: ScalarSeries, sampleName: string): string {
  const cached = series.linePrefix;
  // Valid while the sample name is the same (a counter is `x` in text and `x_total` in OpenMetrics when
  // its name lacks `_total`): the prefix must be the name followed by `{` or a space.
  if (cached?.startsWith(sampleName)) {
    const next = cached.charCodeAt(sampleName.length);
    if (next === 123 || next === 32) return cached;
  }
  const prefix = series.labelText.length === 0 ? `${sampleName} ` : `${sampleName}{${series.labelText}} `;
  series.linePrefix = prefix;
  return prefix;
}

/**
 * Our own encoder, not @prometheus-io/client's `registry.metrics()`: that one writes NaN as `Nan`, does
 * not escape `"` in OpenMetrics HELP, builds every label string anew on each scrape and encodes the whole
 * registry in one synchronous run. Here each series' label text was rendered once when it was created,
 * and the work is sliced: after ~5 ms the encoder awaits `setImmediate` so requests keep flowing, and
 * text comes out in chunks of ~256K characters that a stream can write as they come (`scrapeStream`).
 *
 * Text 0.0.4 follows the Rust encoder (HELP, TYPE, labels sorted by name, `le` last, `+Inf` bucket last).
 * OpenMetrics 1.0 names a counter family without `_total` and its sample with it, canonicalises `le`
 * (`1.0`), adds exemplars to counters and buckets, escapes `"` in HELP and ends with `# EOF`.
 */
export async function* encodeFamilies(
  families: readonly MergedFamily[],
  format: ExpositionFormat,
  trailingText: readonly string[],
): AsyncGenerator<string, void, undefined> {
  const openMetrics = format === 'openmetrics';
  // Lines are collected per chunk and flattened by Array#join when the chunk is handed out, so nobody
  // ever flattens one huge `+=` rope in a single long synchronous step.
  let lines: string[] = [];
  let chunkLength = 0;
  let sliceStart = performance.now();
  let sinceCheck = 0;
  const leCache = new Map<Float64Array, readonly string[]>();

  for (const family of families) {
    if (family.parts.every((part) => part.length === 0)) continue;
    const metadataName =
      openMetrics && family.type === 'counter' && family.name.endsWith('_total')
        ? family.name.slice(0, -'_total'.length)
        : family.name;
    lines.push(
      `# HELP ${metadataName} ${escapeHelp(family.help, openMetrics)}\n# TYPE ${metadataName} ${family.type}\n`,
    );
    const sampleName = openMetrics && family.type === 'counter' ? `${metadataName}_total` : family.name;

    for (const part of family.parts) {
      for (const series of part) {
        let line: string;
        if (family.type === 'histogram') {
          line = encodeHistogram(series as HistogramChild, sampleName, openMetrics, leCache);
        } else {
          line =
            samplePrefix(series as ScalarSeries, sampleName) + formatValue((series as ScalarSeries).value);
          if (openMetrics && family.type === 'counter') {
            const counter = series as Partial<CounterChild>;
            if (counter.exemplarTraceId !== undefined) {
              line += renderExemplar(
                counter.exemplarTraceId,
                counter.exemplarSpanId ?? '',
                formatValue(counter.exemplarValue ?? 0),
              );
            }
          }
          line += '\n';
        }
        lines.push(line);
        chunkLength += line.length;
        if (++sinceCheck >= CHECK_EVERY) {
          sinceCheck = 0;
          if (chunkLength >= CHUNK_CHARS) {
            yield lines.join('');
            lines = [];
            chunkLength = 0;
          }
          if (performance.now() - sliceStart >= SLICE_MS) {
            await nextTurn();
            sliceStart = performance.now();
          }
        }
      }
    }
  }
  for (const text of trailingText) {
    if (text.length === 0) continue;
    lines.push(text.endsWith('\n') ? text : `${text}\n`);
  }
  if (openMetrics) lines.push('# EOF\n');
  yield lines.join('');
}

/** Encodes into one string, giving the event loop back between slices. */
export async function encodeToString(
  families: readonly MergedFamily[],
  format: ExpositionFormat,
  trailingText: readonly string[],
): Promise<string> {
  // `+=` of flat 256K chunks makes a shallow rope in O(1) per chunk; a final join would copy the whole
  // body in one synchronous step. Whoever writes the string flattens it once (use scrapeStream to avoid).
  let body = '';
  for await (const chunk of encodeFamilies(families, format, trailingText)) body += chunk;
  return body;
}

function encodeHistogram(
  series: HistogramChild,
  name: string,
  openMetrics: boolean,
  leCache: Map<Float64Array, readonly string[]>,
): string {
  let les = leCache.get(series.bounds);
  if (les === undefined) {
    const format = openMetrics ? formatLeOpenMetrics : formatLeText;
    les = [...Array.from(series.bounds, format), '+Inf'];
    leCache.set(series.bounds, les);
  }
  const labels = series.labelText;
  const bucketOpen = labels.length === 0 ? `${name}_bucket{le="` : `${name}_bucket{${labels},le="`;
  const plain = labels.length === 0 ? '' : `{${labels}}`;
  // One synchronous pass over counts, sum and count: the snapshot is consistent (+Inf == _count).
  const counts = series.counts;
  const traceIds = openMetrics ? series.exemplarTraceIds : undefined;
  let text = '';
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i] as number;
    text += `${bucketOpen}${les[i]}"} ${cumulative}`;
    const traceId = traceIds?.[i];
    if (traceId !== undefined) {
      text += renderExemplar(
        traceId,
        series.exemplarSpanIds?.[i] ?? '',
        formatValue(series.exemplarValues?.[i] ?? 0),
      );
    }
    text += '\n';
  }
  return `${text}${name}_sum${plain} ${formatValue(series.sum)}\n${name}_count${plain} ${cumulative}\n`;
}
