import { describe, expect, it } from 'vitest';
import { emptyBaseFields, joinedBase, rebuildBase } from '../src/format/base-fields.ts';
import { quote } from '../src/format/json-text.ts';

/** What `quote` must return: JSON.stringify's literal, with the characters it leaves raw escaped too. */
function referenceQuote(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const LINE_BREAKING = /[\n\r\u2028\u2029\u0000-\u001f\u007f-\u009f]/;

describe('quote', () => {
  it('writes every UTF-16 code unit, alone and inside an id, as the reference does', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const ch = String.fromCharCode(code);
      for (const text of [ch, `7b0f9e5e-${ch}-4bb3`]) {
        const json = quote(text, 1024);
        expect(json, `U+${code.toString(16)}`).toBe(referenceQuote(text));
        expect(LINE_BREAKING.test(json)).toBe(false);
      }
    }
  });

  it('leaves printable ASCII without `"` or `\\` as it is, and escapes those two', () => {
    expect(quote('7b0f9e5e-3d4c-4bb3-8f5a-1c2d3e4f5a6b', 64)).toBe('"7b0f9e5e-3d4c-4bb3-8f5a-1c2d3e4f5a6b"');
    expect(quote('say "hi" \\ now', 64)).toBe('"say \\"hi\\" \\\\ now"');
    expect(quote('', 64)).toBe('""');
  });

  it('cuts a text longer than the limit and says how much', () => {
    expect(JSON.parse(quote('abcdef', 4))).toBe('abcd…[truncated 2 chars]');
  });
});

describe('correlation fragments of a rebuilt base', () => {
  const correlation = (
    requestId: string,
    xRequestId: string,
    spanName: string | undefined,
  ): Parameters<typeof rebuildBase>[2] => ({
    traceId: spanName === undefined ? undefined : '0af7651916cd43dd8448eb211c80319c',
    spanId: spanName === undefined ? undefined : 'b7ad6b7169203331',
    spanName,
    requestContext: { requestId, xRequestId },
  });

  it('carries each request id and span name as given, escaped, across rebuilds', () => {
    const base = emptyBaseFields();
    const fragments = (c: Parameters<typeof rebuildBase>[2], max = 64): Record<string, unknown> => {
      rebuildBase(base, [], c, max);
      return JSON.parse(`{${joinedBase(base).slice(1)}}`);
    };
    // The request id under both keys (no x-request-id of its own), then one of its own, then back.
    expect(fragments(correlation('id-1', 'id-1', 'http-request'))).toEqual({
      request_id: 'id-1',
      span_id: 'b7ad6b7169203331',
      span_name: 'http-request',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      x_request_id: 'id-1',
    });
    expect(fragments(correlation('id-2', 'client "2"', 'http-request'))).toMatchObject({
      request_id: 'id-2',
      x_request_id: 'client "2"',
    });
    expect(fragments(correlation('id-3', 'id-3', 'other\nspan'))).toMatchObject({
      request_id: 'id-3',
      span_name: 'other\nspan',
      x_request_id: 'id-3',
    });
    // The same span name under a smaller limit is cut, not taken from the last rebuild.
    expect(fragments(correlation('id-4', 'id-4', 'other\nspan'), 3)).toMatchObject({
      span_name: 'oth…[truncated 7 chars]',
    });
    // Without a span: the request ids alone.
    expect(fragments(correlation('id-5', 'x-5', undefined))).toEqual({
      request_id: 'id-5',
      x_request_id: 'x-5',
    });
  });
});
