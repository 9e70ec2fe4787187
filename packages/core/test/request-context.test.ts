import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  getRequestContext,
  isDynotelError,
  requireRequestContext,
  resolveRequestId,
  runWithRequestContext,
} from '../src/index.ts';

describe('request context', () => {
  it('is undefined outside a request and throws a coded error from requireRequestContext()', () => {
    expect(getRequestContext()).toBeUndefined();
    let thrown: unknown;
    try {
      requireRequestContext();
    } catch (error) {
      thrown = error;
    }
    expect(isDynotelError(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe('ERR_DYNOTEL_CONTEXT_MISSING');
  });

  it('follows async work and keeps concurrent requests apart', async () => {
    const seen: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id, i) =>
        runWithRequestContext({ requestId: id }, async () => {
          await sleep(10 - i * 3);
          seen.push(`${id}:${requireRequestContext().requestId}`);
        }),
      ),
    );
    expect(seen.sort()).toEqual(['a:a', 'b:b', 'c:c']);
    expect(getRequestContext()).toBeUndefined();
  });
});

describe('resolveRequestId', () => {
  it('accepts a valid inbound id unchanged', () => {
    expect(resolveRequestId('abc-123_x.y')).toEqual({ id: 'abc-123_x.y', replaced: false });
  });

  it.each([
    ['CR/LF injection', 'abc\r\nx-evil: 1'],
    ['too long', 'a'.repeat(129)],
    ['empty', ''],
    ['spaces', 'a b'],
    ['non-ASCII', 'idé'],
  ])('replaces an invalid inbound id (%s) with a UUIDv4', (_case, value) => {
    const resolved = resolveRequestId(value);
    expect(resolved.replaced).toBe(true);
    expect(resolved.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('accepts exactly the charset A-Za-z0-9._~+/=:@- at 1 to 128 characters', () => {
    const charset = /^[A-Za-z0-9._~+/=:@-]$/;
    // Every code unit up to 0x17f: also those whose low byte is an accepted character.
    for (let code = 0; code <= 0x17f; code++) {
      const char = String.fromCharCode(code);
      expect(resolveRequestId(`id${char}`).replaced, `char code ${code}`).toBe(!charset.test(char));
    }
    expect(resolveRequestId('a'.repeat(128))).toEqual({ id: 'a'.repeat(128), replaced: false });
    expect(resolveRequestId('=')).toEqual({ id: '=', replaced: false });
  });

  it('generates without marking a replacement when no header was sent', () => {
    expect(resolveRequestId(undefined).replaced).toBe(false);
  });
});
