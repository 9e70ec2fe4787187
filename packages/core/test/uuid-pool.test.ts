import { describe, expect, it } from 'vitest';
import { isUuid } from '../src/index.ts';
import { randomRequestUuid } from '../src/internal.ts';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomRequestUuid', () => {
  it('gives version 4 UUIDs of the RFC 9562 layout, all distinct across many blocks', () => {
    const ids = new Set<string>();
    // 10 000 crosses ~80 refills of the 128-id block.
    for (let i = 0; i < 10_000; i++) {
      const id = randomRequestUuid();
      expect(id).toMatch(V4);
      ids.add(id);
    }
    expect(ids.size).toBe(10_000);
    expect(isUuid(randomRequestUuid())).toBe(true);
  });

  it('spreads the random digits and the four variant values evenly (random bytes, not a counter)', () => {
    const digits = new Map<string, number>();
    const variants = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const id = randomRequestUuid();
      // The 30 random hex digits: all but the version digit (14) and the variant digit (19).
      for (let c = 0; c < id.length; c++) {
        if (c === 8 || c === 13 || c === 18 || c === 23 || c === 14 || c === 19) continue;
        const digit = id[c] as string;
        digits.set(digit, (digits.get(digit) ?? 0) + 1);
      }
      const variant = id[19] as string;
      variants.set(variant, (variants.get(variant) ?? 0) + 1);
    }
    // 120 000 digits, 7 500 expected each; 6 800–8 200 is ~8 standard deviations wide.
    expect(digits.size).toBe(16);
    for (const count of digits.values()) {
      expect(count).toBeGreaterThan(6800);
      expect(count).toBeLessThan(8200);
    }
    // 4 000 variants, 1 000 expected each; 850–1 150 is ~11 standard deviations wide.
    expect([...variants.keys()].sort()).toEqual(['8', '9', 'a', 'b']);
    for (const count of variants.values()) {
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1150);
    }
  });
});
