import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from '../src/kubernetes/read-body.ts';

describe('readBody', () => {
  it('returns a body within the limit', async () => {
    const stream = new PassThrough();
    const read = readBody(stream, 10, undefined);
    stream.write('{"a":');
    stream.end('1}');
    expect(await read).toEqual({ kind: 'body', body: Buffer.from('{"a":1}') });
  });

  it('reads past the limit to the end without keeping it, then says too large with the size', async () => {
    const stream = new PassThrough();
    const read = readBody(stream, 4, undefined);
    stream.write('12345');
    stream.end('678');
    expect(await read).toEqual({ kind: 'too_large', received: 8 });
  });

  it('trusts a declared length above the limit', async () => {
    const stream = new PassThrough();
    const read = readBody(stream, 100, 1000);
    stream.end('short');
    expect(await read).toEqual({ kind: 'too_large', received: 5 });
  });

  it('destroys a stream that sends more than the discard limit', async () => {
    const stream = new PassThrough();
    const read = readBody(stream, 4, undefined, 16);
    stream.write('x'.repeat(10));
    stream.write('x'.repeat(10));
    expect(await read).toEqual({ kind: 'too_large', received: 20 });
    expect(stream.destroyed).toBe(true);
  });

  it('says aborted when the stream closes before its end', async () => {
    const stream = new PassThrough();
    const read = readBody(stream, 100, undefined);
    stream.write('{"a"');
    stream.destroy();
    expect(await read).toEqual({ kind: 'aborted' });
  });
});
