import { contentTypeOf, negotiateFormat } from '../format/content-type.ts';
import { gatherFamilies } from '../gather/gather.ts';
import type { RootSettings, ScrapeTarget } from '../gather/source.ts';
import { encodeFamilies, encodeToString } from './encode.ts';

export interface ScrapeResult {
  readonly contentType: string;
  readonly body: string;
}

export interface ScrapeStream {
  readonly contentType: string;
  /** The body in chunks (~256K characters each); `Readable.from(body).pipe(res)` serves it. */
  readonly body: AsyncIterable<string>;
}

/** Gather, merge once, expose once: one scrape of a subtree, as one string. */
export async function scrapeLevels(
  levels: readonly ScrapeTarget[],
  settings: RootSettings,
  accept: string | undefined,
  includeSelfMetrics: boolean,
): Promise<ScrapeResult> {
  const format = negotiateFormat(accept);
  const families = await gatherFamilies(levels, settings, includeSelfMetrics);
  return { contentType: contentTypeOf(format), body: await encodeToString(families, format) };
}

/** The same scrape as a stream of chunks. */
export async function scrapeLevelsStream(
  levels: readonly ScrapeTarget[],
  settings: RootSettings,
  accept: string | undefined,
  includeSelfMetrics: boolean,
): Promise<ScrapeStream> {
  const format = negotiateFormat(accept);
  const families = await gatherFamilies(levels, settings, includeSelfMetrics);
  return { contentType: contentTypeOf(format), body: encodeFamilies(families, format) };
}
