import type { Readable } from 'node:stream';

export type ReadBodyResult =
  | { readonly kind: 'body'; readonly body: Buffer }
  | { readonly kind: 'too_large'; readonly received: number }
  | { readonly kind: 'aborted' };

/**
 * Reads a request body of at most `limit` bytes. A longer body (declared by content-length or found
 * while reading) is not kept: the rest is read and discarded so the answer (413) reaches a client that
 * is still sending, up to `discardLimit` bytes, beyond which the stream is destroyed. A stream that
 * ends early (client gone, socket error) is `aborted`.
 */
export function readBody(
  stream: Readable,
  limit: number,
  declaredLength: number | undefined,
  discardLimit = Math.max(limit * 4, 16 * 1024 * 1024),
): Promise<ReadBodyResult> {
  return new Promise((resolve) => {
    if (stream.readableEnded) {
      resolve({ kind: 'body', body: Buffer.alloc(0) });
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let tooLarge = declaredLength !== undefined && declaredLength > limit;
    let settled = false;
    const settle = (result: ReadBodyResult) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onAbort);
      stream.off('close', onClose);
      if (result.kind !== 'body') stream.resume();
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (!tooLarge && received > limit) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (tooLarge) {
        if (received > discardLimit) {
          // Too much to drain: the connection goes (no answer can be sent), counted as too large.
          settle({ kind: 'too_large', received });
          stream.destroy();
        }
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () =>
      settle(
        tooLarge ? { kind: 'too_large', received } : { kind: 'body', body: Buffer.concat(chunks, received) },
      );
    const onAbort = () => settle({ kind: 'aborted' });
    const onClose = () => {
      if (!stream.readableEnded) settle({ kind: 'aborted' });
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onAbort);
    stream.on('close', onClose);
  });
}
