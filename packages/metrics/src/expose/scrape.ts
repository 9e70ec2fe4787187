import { contentTypeOf, negotiateFormat } from '../format/content-type.ts';
import { gatherFamilies } from '../gather/gather.ts';
import type { RootSettings, ScrapeTarget } from '../gather/source.ts';
import { type ContentEncoding, gzipChunks, negotiateEncoding } from './compress.ts';
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

/** A scrape for an HTTP response: negotiated format and encoding, the body streamed. */
export interface HttpScrape {
  readonly contentType: string;
  /** `gzip` when the client accepts it (then `body` yields compressed bytes); undefined for identity. */
  readonly contentEncoding: 'gzip' | undefined;
  readonly body: AsyncIterable<string | Uint8Array>;
}

/** Gather, merge once, expose once: one scrape of a subtree, as one string. */
export async function scrapeLevels(
  levels: readonly ScrapeTarget[],
  settings: RootSettings,
  accept: string | undefined,
  includeSelfMetrics: boolean,
): Promise<ScrapeResult> {
  const format = negotiateFormat(accept);
  const families = await gatherFamilies(levels, settings, includeSelfMetrics, format);
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
  const families = await gatherFamilies(levels, settings, includeSelfMetrics, format);
  return { contentType: contentTypeOf(format), body: encodeFamilies(families, format) };
}

/**
 * The scrape as an HTTP handler serves it (promhttp's HandlerFor): format from Accept, gzip from
 * Accept-Encoding, the body streamed (compressed chunk by chunk when gzip).
 */
export async function scrapeLevelsHttp(
  levels: readonly ScrapeTarget[],
  settings: RootSettings,
  accept: string | undefined,
  acceptEncoding: string | undefined,
  includeSelfMetrics: boolean,
): Promise<HttpScrape> {
  const { contentType, body } = await scrapeLevelsStream(levels, settings, accept, includeSelfMetrics);
  const encoding: ContentEncoding = negotiateEncoding(acceptEncoding);
  if (encoding === 'identity') return { contentType, contentEncoding: undefined, body };
  return { contentType, contentEncoding: 'gzip', body: gzipChunks(body) };
}
