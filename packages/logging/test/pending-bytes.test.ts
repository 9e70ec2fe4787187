import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PendingBytes } from '../src/destination/pending-bytes.ts';

describe('PendingBytes (the fd destination buffer)', () => {
  it('gives back exactly the UTF-8 of what was appended, whatever is consumed in between', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ append: `${text}\n` })),
            fc.nat(5000).map((n) => ({ consume: n })),
          ),
          { maxLength: 60 },
        ),
        (operations) => {
          const pending = new PendingBytes();
          let expected = Buffer.alloc(0);
          for (const operation of operations) {
            if ('append' in operation) {
              pending.append(operation.append);
              expected = Buffer.concat([expected, Buffer.from(operation.append)]);
            } else {
              const bytes = Math.min(operation.consume, pending.size);
              pending.consume(bytes);
              expected = expected.subarray(bytes);
            }
            expect(pending.size).toBe(expected.length);
            expect(pending.view().equals(expected)).toBe(true);
            expect(pending.lines()).toBe(expected.filter((byte) => byte === 10).length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows past its first capacity for a burst and lets a large buffer go once drained', () => {
    const pending = new PendingBytes();
    const line = `${'x'.repeat(999)}\n`;
    for (let i = 0; i < 3000; i++) pending.append(line);
    expect(pending.size).toBe(3_000_000);
    expect(pending.lines()).toBe(3000);
    pending.consume(1500);
    expect(pending.lines()).toBe(2999);
    pending.consume(pending.size);
    expect(pending.size).toBe(0);
    expect(pending.view().buffer.byteLength).toBe(0);
  });
});
