import type { ExpositionFormat } from '../format/content-type.ts';
import type { MergedFamily } from '../gather/merge.ts';
import { TimeSlicer } from '../util/time-slice.ts';
import { openMetricsWriter } from './openmetrics-writer.ts';
import { textWriter } from './text-writer.ts';
import type { FormatWriter } from './writer.ts';

/** A chunk is handed out once it holds this many characters (a stream writes it while we encode on). */
const CHUNK_CHARS = 256 * 1024;

export function writerFor(format: ExpositionFormat): FormatWriter {
  return format === 'openmetrics' ? openMetricsWriter : textWriter;
}

/**
 * The one encoder: drives the format's writer over the merged families. Our own, not
 * @prometheus-io/client's `registry.metrics()`: that one writes NaN as `Nan`, does not escape `"` in
 * OpenMetrics HELP, builds every label string anew on each scrape and encodes the whole registry in one
 * synchronous run. Here each series' text was rendered once when it was created, the work is sliced (the
 * event loop gets a turn every ~5 ms) and text comes out in chunks of ~256K characters that a stream can
 * write as they come. A family without series is not written (its names stay reserved in the merge).
 */
export async function* encodeFamilies(
  families: readonly MergedFamily[],
  format: ExpositionFormat,
): AsyncGenerator<string, void, undefined> {
  const writer = writerFor(format);
  // Lines are collected per chunk and flattened by Array#join when the chunk is handed out, so nobody
  // ever flattens one huge `+=` rope in a single long synchronous step.
  let lines: string[] = [];
  let chunkLength = 0;
  const slicer = new TimeSlicer();
  const lesCache = new Map<ArrayLike<number>, readonly string[]>();

  for (const family of families) {
    if (family.rendered !== undefined) {
      // Foreign text rendered in this format while it was read (gather/foreign-render.ts): chunks as they are.
      lines.push(writer.header(family));
      yield lines.join('');
      lines = [];
      chunkLength = 0;
      for (const chunk of family.rendered) {
        yield chunk;
        if (slicer.overdue()) await slicer.pause();
      }
      continue;
    }
    if (family.parts.every((part) => part.length === 0)) continue;
    lines.push(writer.header(family));
    // One loop per kind, written out: the 100k-series hot path makes one writer call per series and no
    // other call (no generator, no closure).
    if (family.type === 'histogram') {
      for (const part of family.parts) {
        for (const point of part) {
          let les = lesCache.get(point.bounds);
          if (les === undefined) {
            les = writer.les(point.bounds);
            lesCache.set(point.bounds, les);
          }
          const text = writer.histogram(point, family.name, les);
          lines.push(text);
          chunkLength += text.length;
          if (chunkLength >= CHUNK_CHARS) {
            yield lines.join('');
            lines = [];
            chunkLength = 0;
          }
          if (slicer.due()) await slicer.pause();
        }
      }
    } else if (family.type === 'summary') {
      for (const part of family.parts) {
        for (const point of part) {
          const text = writer.summary(point, family.name);
          lines.push(text);
          chunkLength += text.length;
          if (chunkLength >= CHUNK_CHARS) {
            yield lines.join('');
            lines = [];
            chunkLength = 0;
          }
          if (slicer.due()) await slicer.pause();
        }
      }
    } else {
      const sampleName = writer.scalarName(family);
      const useSeriesText = sampleName === family.name;
      const counter = family.type === 'counter';
      for (const part of family.parts) {
        for (const point of part) {
          const text = writer.scalar(point, sampleName, counter, useSeriesText);
          lines.push(text);
          chunkLength += text.length;
          if (chunkLength >= CHUNK_CHARS) {
            yield lines.join('');
            lines = [];
            chunkLength = 0;
          }
          if (slicer.due()) await slicer.pause();
        }
      }
    }
  }
  lines.push(writer.trailer);
  yield lines.join('');
}

/** Encodes into one string, giving the event loop back between slices. */
export async function encodeToString(
  families: readonly MergedFamily[],
  format: ExpositionFormat,
): Promise<string> {
  // `+=` of flat 256K chunks makes a shallow rope in O(1) per chunk; a final join would copy the whole
  // body in one synchronous step. Whoever writes the string flattens it once (use scrapeStream to avoid).
  let body = '';
  for await (const chunk of encodeFamilies(families, format)) body += chunk;
  return body;
}
