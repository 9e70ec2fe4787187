import { contentTypeOf, type ExpositionFormat, negotiateFormat } from '../format/content-type.ts';
import type { MetricsLevel, RootSettings } from '../registry/level.ts';
import { runCallbacks } from './callbacks.ts';
import { encodeFamilies, encodeToString } from './encode.ts';
import { foreignBlocks } from './foreign-text.ts';
import { FamilyMerger, type MergedFamily } from './merge.ts';
import { selfMetricFamilies } from './self-families.ts';

export interface ScrapeResult {
  readonly contentType: string;
  readonly body: string;
}

export interface ScrapeStream {
  readonly contentType: string;
  /** The body in chunks (~256K characters each); `Readable.from(body).pipe(res)` serves it. */
  readonly body: AsyncIterable<string>;
}

interface Gathered {
  readonly format: ExpositionFormat;
  readonly families: MergedFamily[];
  readonly foreign: string[];
}

/**
 * One scrape of a subtree (reference §2.4): update callbacks of every level first, then the exposition
 * callbacks, then gather and merge the families of every level in pre-order, then validate the callbacks'
 * text against them. The self-metrics are gathered last on a root scrape, so they include what this
 * scrape dropped.
 */
async function gather(
  levels: readonly MetricsLevel[],
  settings: RootSettings,
  accept: string | undefined,
  includeSelfMetrics: boolean,
): Promise<Gathered> {
  const format = negotiateFormat(accept);
  await runCallbacks(
    'update',
    levels.flatMap((level) => level.updateCallbacks()),
    settings.callbackTimeoutMs,
  );
  const texts = await runCallbacks(
    'exposition',
    levels.flatMap((level) => level.expositionCallbacks()),
    settings.callbackTimeoutMs,
  );
  const merger = new FamilyMerger();
  for (const level of levels) for (const metric of level.metrics()) merger.add(metric);
  const families = merger.families();
  // Self-metric names are reserved for a root scrape even though their values are read later.
  const reserved = includeSelfMetrics ? selfMetricFamilies().map((family) => family.name) : [];
  const foreign = foreignBlocks(texts, format, families, reserved);
  if (!includeSelfMetrics) return { format, families, foreign };
  // Self-metrics last, so they include what this scrape dropped.
  for (const family of selfMetricFamilies()) merger.add(family);
  return { format, families: merger.families(), foreign };
}

export async function scrapeLevels(
  levels: readonly MetricsLevel[],
  settings: RootSettings,
  accept: string | undefined,
  includeSelfMetrics: boolean,
): Promise<ScrapeResult> {
  const { format, families, foreign } = await gather(levels, settings, accept, includeSelfMetrics);
  return { contentType: contentTypeOf(format), body: await encodeToString(families, format, foreign) };
}

export async function scrapeLevelsStream(
  levels: readonly MetricsLevel[],
  settings: RootSettings,
  accept: string | undefined,
  includeSelfMetrics: boolean,
): Promise<ScrapeStream> {
  const { format, families, foreign } = await gather(levels, settings, accept, includeSelfMetrics);
  return { contentType: contentTypeOf(format), body: encodeFamilies(families, format, foreign) };
}
