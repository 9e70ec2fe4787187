import { describe, expect, it } from 'vitest';
import { PooledIdGenerator } from '../src/pooled-id-generator.ts';

describe('PooledIdGenerator', () => {
  it('gives lowercase hex ids of W3C length, all distinct across many pool refills', () => {
    const ids = new PooledIdGenerator();
    const traceIds = new Set<string>();
    const spanIds = new Set<string>();
    // 20 000 of each crosses ~120 refills of the 4 KiB pool, and mixes both lengths within one pool.
    for (let i = 0; i < 20_000; i++) {
      traceIds.add(ids.generateTraceId());
      spanIds.add(ids.generateSpanId());
    }
    expect(traceIds.size).toBe(20_000);
    expect(spanIds.size).toBe(20_000);
    for (const id of traceIds) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spanIds) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('uses every hex digit at about the same rate (the bytes are random, not a counter)', () => {
    const ids = new PooledIdGenerator();
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++)
      for (const digit of ids.generateTraceId()) counts.set(digit, (counts.get(digit) ?? 0) + 1);
    // 128 000 digits: each of the 16 expected 8 000 times; 7 000–9 000 is ~11 standard deviations wide.
    expect(counts.size).toBe(16);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(7000);
      expect(count).toBeLessThan(9000);
    }
  });

  it('gives different ids in different generators (no shared seed)', () => {
    expect(new PooledIdGenerator().generateTraceId()).not.toBe(new PooledIdGenerator().generateTraceId());
  });
});
