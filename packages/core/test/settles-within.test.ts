import { describe, expect, it } from 'vitest';
import { settlesWithin } from '../src/internal.ts';

describe('settlesWithin', () => {
  it('is true for a promise that resolves or rejects in time', async () => {
    expect(await settlesWithin(Promise.resolve('value'), 1000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('export failed')), 1000)).toBe(true);
  });

  it('is false, without rejecting, for a promise that never settles', async () => {
    expect(await settlesWithin(new Promise(() => {}), 30)).toBe(false);
  });

  it('is false for a rejection that comes after the budget, and leaves it handled', async () => {
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 60));
    expect(await settlesWithin(late, 10)).toBe(false);
    // The late rejection must not surface as an unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 80));
  });
});
