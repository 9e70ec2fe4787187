import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export type ContentEncoding = 'gzip' | 'identity';

/**
 * Picks the response encoding from an Accept-Encoding header, as promhttp does: gzip when the client
 * accepts it (`gzip` or `*` with a weight above 0, Prometheus sends `gzip`), else identity. A malformed or
 * oversized header means identity.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding {
  if (acceptEncoding === undefined || acceptEncoding.length === 0 || acceptEncoding.length > 1024) {
    return 'identity';
  }
  let gzip: number | undefined;
  let any: number | undefined;
  for (const range of acceptEncoding.split(',')) {
    const [coding = '', ...params] = range.split(';');
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') {
        const parsed = Number(value?.trim());
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    const name = coding.trim().toLowerCase();
    if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === '*') any = q;
  }
  return (gzip ?? any ?? 0) > 0 ? 'gzip' : 'identity';
}

/**
 * Gzips a stream of text chunks as they come. Compression runs on libuv's thread pool (zlib's async API),
 * so the event loop only moves buffers; backpressure holds the encoder while the client reads slowly.
 */
export async function* gzipChunks(
  chunks: AsyncIterable<string>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const gzip = createGzip();
  const done = pipeline(Readable.from(chunks, { objectMode: false }), gzip);
  // A failure of the source reaches `done` and ends the gzip stream with an error, which the loop rethrows.
  done.catch(() => {});
  for await (const buffer of gzip) yield buffer as Uint8Array;
  await done;
}
